package database

import "rotation-tutor/dbclient"

// sampleSchema recreates the tutorial's sample table in database db. GMS
// keeps tables in memory only, so this runs at every start; it is written to
// work unchanged on MariaDB.
func sampleSchema(db string) []string {
	q := dbclient.QuoteIdent(db)
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + q,
		"DROP TABLE IF EXISTS " + q + ".items",
		"CREATE TABLE " + q + ".items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2) NOT NULL)",
		"INSERT INTO " + q + ".items (id, name, price) VALUES " +
			"(1, 'notebook', 3.50), (2, 'pencil', 0.80), (3, 'eraser', 1.20), (4, 'ruler', 2.10)",
	}
}
