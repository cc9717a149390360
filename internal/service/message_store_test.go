package service

import (
	"reflect"
	"testing"
	"time"
)

// recorded reports whether an audit detail (or another stored row) holds the message id with these parameters.
func recorded(detail, id string, args ...any) bool {
	ms, _ := StoredMessages(detail)
	for _, m := range ms {
		if m.ID != id {
			continue
		}
		match := true
		for i := 0; i+1 < len(args); i += 2 {
			if m.Arg(args[i].(string)) != args[i+1] {
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}

// TestStoredMessagesRoundTrip: messages kept in a row (an import's error or label, an audit detail, a token's
// last error, a check's record) come back as they were, sentence by sentence, with their typed parameters (counts
// as int64, sizes, waits, times, nested messages); a file name, the plain words of an older row and anything
// else that is not the stored form are not taken for messages.
func TestStoredMessagesRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("CET", 3600))
	m := Msg("problem.import_failed", "Title", Msg("problem.too_large.title"),
		"Detail", Msg("problem.refusal.too_large", "Size", Bytes(5000), "Limit", Bytes(1000)),
		"Count", 3, "Wait", Wait(90*time.Second), "Name", `"odd" name`, "At", at, "Named", true, "Types", List{".pdf", "image/*"})
	stored := StoreMessages(m, Message{}, Msg("audit.updated", "Name", "Campus cloud"),
		Msg("audit.changed_default", "Old", Msg("audit.returns.import"), "New", Msg("audit.returns.link")))
	got, ok := StoredMessages(stored)
	want := []Message{
		Msg("problem.import_failed", "Title", Msg("problem.too_large.title"),
			"Detail", Msg("problem.refusal.too_large", "Size", Bytes(5000), "Limit", Bytes(1000)),
			"Count", int64(3), "Wait", Wait(90*time.Second), "Name", `"odd" name`, "At", at.UTC(), "Named", true,
			"Types", List{".pdf", "image/*"}),
		Msg("audit.updated", "Name", "Campus cloud"),
		Msg("audit.changed_default", "Old", Msg("audit.returns.import"), "New", Msg("audit.returns.link")),
	}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: %v (%v), stored as %q", got, ok, stored)
	}
	if got[0].Arg("At").(time.Time) != at.UTC() || !got[0].Arg("At").(time.Time).Equal(at) {
		t.Errorf("time: %v, want %v", got[0].Arg("At"), at)
	}
	if !recorded(stored, "audit.updated", "Name", "Campus cloud") || recorded(stored, "audit.updated", "Name", "Other") {
		t.Errorf("recorded does not find what was stored")
	}
	if StoreMessages() != "" || StoreMessages(Message{}) != "" {
		t.Errorf("nothing to say is stored as something")
	}
	for _, text := range []string{"", "report.pdf", "Too large: 5 MB, the limit is 1 MB.", `deleted "Files"`,
		`{"id":"audit.updated"}`, `[{"id":"audit.updated"}]`, "/msg", "/msg{", "/msg[]", `/msg{"id":"audit.updated"}`,
		`/msg[{"id":""}]`, `/msg[{"id": broken`, `/msg[{"id":"x","args":["odd"]}]`, `/msg[{"id":"x","args":[1,2]}]`,
		`/msg[{"id":"x","args":["N",1.5]}]`, `/msg[{"id":"x","args":["S",{"bytes":"1"}]}]`,
		`/msg[{"id":"x","args":["T",{"time":"yesterday"}]}]`, `/msg[{"id":"x","args":["M",{"id":""}]}]`,
		`/msg[{"id":"x","args":["M",{"other":1}]}]`, `/msg[{"id":"x","more":1}]`, `/msg[{"id":"x"}] and more`} {
		if ms, ok := StoredMessages(text); ok || ms != nil {
			t.Errorf("%q read as messages %v", text, ms)
		}
	}
}
