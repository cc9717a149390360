// Package archtest holds no code: its test checks the import rules of ARCHITECTURE.md against `go list`, so a
// package that reaches across a layer, a new package without a rule, or cgo creeping into the core fails the
// build's tests.
package archtest
