// Package storetest is the conformance suite for implementations of package store: one set of tests that every
// implementation (gormstore on SQLite, PostgreSQL and MariaDB, any other) must pass, so that the application layer
// can rely on the behaviour rather than on one database.
//
// It imports nothing but package store, so a store of any kind runs it without pulling in GORM or cgo. Call Run
// from an implementation's tests with a function that returns a fresh, empty, migrated store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			db, err := gormsqlite.Open(filepath.Join(t.TempDir(), "ocrepo.db"))
//			...
//			return s
//		})
//	}
//
// The suite runs its tests in parallel, each on its own store. Beyond the documented contract of package store, it
// pins down:
//
//   - not found is store.ErrNotFound for every get, update and delete, and for a row that refers to a missing
//     parent (a token, login state or instance of an unknown issuer, a share of an unknown link, a link or course
//     setting of an unknown instance);
//   - unique keys give store.ErrDuplicate, and a failed write changes nothing;
//   - times come back in UTC and equal to what went in at microsecond precision; zero times stay zero; Created
//     is kept when given and set to now otherwise, Updated is set to now by every write;
//   - SwapToken is a compare-and-swap: of 50 concurrent writers from one version exactly one wins, the rest get
//     store.ErrConflict; TakeLoginState hands a state to exactly one of 20 concurrent takers;
//   - PutToken bumps the version and clears the lease; SwapToken keeps Created;
//   - deleting an issuer removes its endpoints, mappings, tokens, login states, instances and course settings and
//     keeps its controlled links without an instance; deleting an instance does the same for its part;
//   - lists are ordered by ID, the audit trail newest first with a default page of 100;
//   - secrets, JSON and non-ASCII text round-trip unchanged.
package storetest
