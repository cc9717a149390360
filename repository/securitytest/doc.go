// Package securitytest holds ocrepo's cross-cutting security and reliability suites, run against a mounted
// Repository the way a host runs it: every route called as every kind of user, every id swapped between users,
// CSRF on every unsafe request, hostile file names in a real browser, secrets searched for in pages, logs, errors
// and the database, broken and hostile cloud servers, the network guard, key rotation, fuzzed inputs, and two
// replicas sharing one PostgreSQL under load. SECURITY.md at the repository root maps each threat to the tests
// here that prove its defence.
//
// The package has no API; its tests are the product.
package securitytest
