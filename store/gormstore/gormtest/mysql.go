package gormtest

import (
	"testing"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store/gormstore/gormmysql"
)

// MySQLEnv names the environment variable with the DSN of a MySQL or MariaDB server for tests, for example
// "root@tcp(127.0.0.1:3306)/test". The user must be allowed to create and drop databases.
const MySQLEnv = "OCREPO_TEST_MYSQL_DSN"

// mysqlMaxConns keeps parallel tests within the server's default connection limit (151).
const mysqlMaxConns = 8

// MySQLDSN returns the test server's DSN, or skips the test when none is configured.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	return dsnFrom(t, MySQLEnv, "MySQL/MariaDB")
}

// MySQLDatabase creates a database of its own for the test (MySQL's schemas are databases), dropped when the test
// ends, and returns a DSN whose connections work in it. Parallel tests and repeated runs never see each other's
// rows.
func MySQLDatabase(t testing.TB) string {
	t.Helper()
	dsn := MySQLDSN(t)
	name := scratch(t, dsn, gormmysql.Open, "CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "DROP DATABASE %s")
	cfg, err := gormmysql.Config(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

// OpenMySQL opens dsn with a bounded pool and closes it when the test ends.
func OpenMySQL(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	return openPool(t, dsn, gormmysql.Open, mysqlMaxConns, true)
}
