package database

// sampleSchema recreates the tutorial's sample table. GMS keeps tables in
// memory only, so this runs at every start; it is written to work unchanged
// on MariaDB.
var sampleSchema = []string{
	"CREATE DATABASE IF NOT EXISTS " + DBName,
	"DROP TABLE IF EXISTS " + DBName + ".items",
	"CREATE TABLE " + DBName + ".items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2) NOT NULL)",
	"INSERT INTO " + DBName + ".items (id, name, price) VALUES " +
		"(1, 'notebook', 3.50), (2, 'pencil', 0.80), (3, 'eraser', 1.20), (4, 'ruler', 2.10)",
}
