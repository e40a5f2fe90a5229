package logs_test

import (
	"path/filepath"
	"testing"
	"time"

	"rotation-tutor/sandbox/logs"
)

// Events are kept across a reopen, selected by stream, time and filter pattern, and paged.
func TestEventsFilterPageAndPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st, err := logs.Open(path, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	st.Put("/aws/lambda/f", "s1", now, "START RequestId: 1", "[INFO]\tcreateSecret: Successfully put secret", "[ERROR]\tsetSecret: Unable to log into database")
	st.Put("/aws/lambda/f", "s2", now.Add(time.Second), "[ERROR]\tTask timed out after 30.00 seconds")
	st.Close()

	st, err = logs.Open(path, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, more, ok := st.Events(logs.Query{Group: "/aws/lambda/f", Pattern: "ERROR"})
	if !ok || more || len(evs) != 2 || evs[1].Stream != "s2" {
		t.Fatalf("ERROR events after a reopen: %+v %v %v", evs, more, ok)
	}
	evs, _, _ = st.Events(logs.Query{Group: "/aws/lambda/f", Pattern: `"Unable to log"`, Streams: []string{"s1"}})
	if len(evs) != 1 {
		t.Fatalf("a quoted phrase in one stream: %+v", evs)
	}
	page, more, _ := st.Events(logs.Query{Group: "/aws/lambda/f", Limit: 3})
	rest, _, _ := st.Events(logs.Query{Group: "/aws/lambda/f", AfterID: page[len(page)-1].ID})
	if !more || len(page) != 3 || len(rest) != 1 {
		t.Fatalf("paging: %d then %d (more %v)", len(page), len(rest), more)
	}
	if _, _, ok := st.Events(logs.Query{Group: "/aws/lambda/none"}); ok {
		t.Fatal("a group nobody wrote to exists")
	}
}
