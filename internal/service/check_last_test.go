package service

import (
	"testing"
	"time"
)

// TestLastCheckReadsOldAndNewRecords: the last check is read back from what this version records and from the
// words older versions recorded; anything else is no check.
func TestLastCheckReadsOldAndNewRecords(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	now := StoreMessages(Msg(auditCheck, "Passed", 4, "Warnings", 1, "Failed", 1),
		Msg("audit.check_failed", "Checks", "token_endpoint: client_auth"), checkSecretNote(false))
	if lc := parseCheckSummary(now, at); lc == nil || lc.Passed != 4 || lc.Warnings != 1 || lc.Failed != 1 || lc.SecretProven {
		t.Errorf("record: %+v", lc)
	}
	proven := StoreMessages(Msg(auditCheck, "Passed", 6, "Warnings", 0, "Failed", 0), checkSecretNote(true))
	if lc := parseCheckSummary(proven, at); lc == nil || lc.Passed != 6 || !lc.SecretProven {
		t.Errorf("proven record: %+v", lc)
	}
	if lc := parseCheckSummary("connection check: 5 passed, 1 warnings, 0 failed; client secret proven", at); lc == nil || lc.Passed != 5 || !lc.SecretProven {
		t.Errorf("old words: %+v", lc)
	}
	for _, junk := range []string{"", "updated", StoreMessages(Msg(auditCheck, "Passed", 1)), StoreMessages(Msg("audit.updated"))} {
		if lc := parseCheckSummary(junk, at); lc != nil {
			t.Errorf("%q read as a check: %+v", junk, lc)
		}
	}
}
