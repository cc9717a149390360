package service

import (
	"testing"
	"time"
)

// recorded reports whether an audit detail (or another record) holds the message id with these parameters.
func recorded(detail, id string, args ...any) bool {
	for _, w := range ReadRecords(detail) {
		if w.ID != id {
			continue
		}
		match := true
		for i := 0; i+1 < len(args); i += 2 {
			if w.Arg(args[i].(string)) != args[i+1] {
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}

// TestRecordsRoundTrip: words kept in a row come back as they were (counts as integers); plain words of an
// older row come back as one sentence.
func TestRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	ws := []Words{say("audit.updated", "Name", "Campus cloud"), say("audit.logins_dropped", "Count", 3)}
	back := ReadRecords(recordAll(ws))
	if len(back) != 2 || back[0].ID != "audit.updated" || back[0].Arg("Name") != "Campus cloud" || back[1].Arg("Count") != int64(3) {
		t.Fatalf("round trip: %+v", back)
	}
	nested := ReadRecords(recordAll([]Words{say("audit.changed_default", "Old", say("audit.returns.import"), "New", say("audit.returns.link"))}))
	if len(nested) != 1 || nested[0].Arg("Old") == nil || nested[0].Arg("Old").(Words).ID != "audit.returns.import" || nested[0].Arg("New").(Words).ID != "audit.returns.link" {
		t.Errorf("words inside words: %+v", nested)
	}
	if one := ReadRecord(say("token.login_refused", "At", "2026-01-02T03:04:05Z").Record()); one.ID != "token.login_refused" || one.Arg("At") != "2026-01-02T03:04:05Z" {
		t.Errorf("one record: %+v", one)
	}
	for _, old := range []string{"deleted \"Files\"", `{"id": broken`, `[{"id":"x","args":["odd"]}]`} {
		if got := ReadRecords(old); len(got) != 1 || got[0].ID != "record.text" || got[0].Arg("Text") != old {
			t.Errorf("%q: %+v", old, got)
		}
	}
	if ReadRecords("") != nil || !ReadRecord("").IsZero() {
		t.Errorf("an empty row says something")
	}
}

// TestLastCheckReadsOldAndNewRecords: the last check is read back from what this version records and from the
// words older versions recorded; anything else is no check.
func TestLastCheckReadsOldAndNewRecords(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	now := recordAll([]Words{say(auditCheck, "Passed", 4, "Warnings", 1, "Failed", 1),
		say("audit.check_failed", "Checks", "token_endpoint: client_auth"), checkSecretNote(false)})
	if lc := parseCheckSummary(now, at); lc == nil || lc.Passed != 4 || lc.Warnings != 1 || lc.Failed != 1 || lc.SecretProven {
		t.Errorf("record: %+v", lc)
	}
	proven := recordAll([]Words{say(auditCheck, "Passed", 6, "Warnings", 0, "Failed", 0), checkSecretNote(true)})
	if lc := parseCheckSummary(proven, at); lc == nil || lc.Passed != 6 || !lc.SecretProven {
		t.Errorf("proven record: %+v", lc)
	}
	if lc := parseCheckSummary("connection check: 5 passed, 1 warnings, 0 failed; client secret proven", at); lc == nil || lc.Passed != 5 || !lc.SecretProven {
		t.Errorf("old words: %+v", lc)
	}
	for _, junk := range []string{"", "updated", recordAll([]Words{say(auditCheck, "Passed", 1)}), recordAll([]Words{say("audit.updated")})} {
		if lc := parseCheckSummary(junk, at); lc != nil {
			t.Errorf("%q read as a check: %+v", junk, lc)
		}
	}
}
