package gormtest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
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
	dsn := os.Getenv(MySQLEnv)
	if dsn == "" {
		t.Skipf("%s not set: MySQL/MariaDB tests skipped", MySQLEnv)
	}
	return dsn
}

// MySQLDatabase creates a database of its own for the test (MySQL's schemas are databases), dropped when the test
// ends, and returns a DSN whose connections work in it. Parallel tests and repeated runs never see each other's
// rows.
func MySQLDatabase(t testing.TB) string {
	t.Helper()
	dsn := MySQLDSN(t)
	admin, err := gormmysql.Open(dsn)
	if err != nil {
		t.Fatalf("gormmysql.Open: %v", err)
	}
	sqlAdmin, err := admin.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlAdmin.SetMaxOpenConns(1)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ocrepo_test_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatalf("create database: %v", err)
	}
	// Registered first, so it runs after the test's own cleanups have closed their connections.
	t.Cleanup(func() {
		if err := admin.Exec("DROP DATABASE " + name).Error; err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		_ = sqlAdmin.Close()
	})
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
	db, err := gormmysql.Open(dsn)
	if err != nil {
		t.Fatalf("gormmysql.Open: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(mysqlMaxConns)
	CloseAtEnd(t, db)
	return db
}
