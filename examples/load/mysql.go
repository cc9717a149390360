package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store/gormstore/gormmysql"
)

// mysqlConns is the MariaDB/MySQL connection pool, sized like PostgreSQL's (pgConns), under the server's default
// limit of 151 connections.
const mysqlConns = pgConns

// openMySQL creates a database of its own on the server dsn names (dropped again by closers) and opens a pool on
// it.
func openMySQL(dsn string, closers *[]func()) (*gorm.DB, error) {
	admin, err := gormmysql.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	adminSQL, err := admin.DB()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "ocrepo_load_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		_ = adminSQL.Close()
		return nil, fmt.Errorf("load: create database: %w", err)
	}
	*closers = append(*closers, func() {
		_ = admin.Exec("DROP DATABASE " + name).Error
		_ = adminSQL.Close()
	})
	cfg, err := gormmysql.Config(dsn)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	cfg.DBName = name
	db, err := gormmysql.Open(cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	sqlDB.SetMaxOpenConns(mysqlConns)
	sqlDB.SetMaxIdleConns(mysqlConns)
	return db, nil
}
