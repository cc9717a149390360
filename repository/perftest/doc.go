// Package perftest measures ocrepo as a whole, the figures of docs/PERFORMANCE.md:
//
//   - TestRequestCounts: the requests each user action sends to the cloud, asserted exactly (the table);
//   - BenchmarkListing10000 beside BenchmarkBareFetch10000: the listing of a 10,000-entry folder against a bare
//     fetch of the same PROPFIND; BenchmarkListingPage10000: another page of it once cached;
//   - BenchmarkImport1GiB beside BenchmarkBareCopy1GiB: a 1 GiB import against a bare copy, with peak heap;
//   - TestLoginsStartNoGoroutines and BenchmarkIdleUsers: what an idle logged-in user costs.
//
// Everything runs in one process against the fake cloud (cloudtest) on loopback, through the mounted Echo group
// as a host serves it. The package has no API; run it with
//
//	go test -v -run TestRequestCounts ./repository/perftest/   # the table, printed
//	go test -run '^$' -bench 'Listing|BareFetch|Import|BareCopy' -benchtime 10x ./repository/perftest/
//	go test -run '^$' -bench IdleUsers -benchtime 1x ./repository/perftest/
package perftest
