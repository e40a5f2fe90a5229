package dbclient

// LocalPort is where an ssh -L tunnel to the database listens on the
// learner's machine, in every command this project prints. Not 3306: a local
// MySQL usually holds that one.
const LocalPort = 13306
