// Package logs is the sandbox's CloudWatch Logs: the log groups the rotation functions write
// to (/aws/lambda/NAME, one stream per execution environment, as Lambda names them), and the
// part of the CloudWatch Logs API (JSON 1.1, X-Amz-Target Logs_20140328.*) that reads them:
// FilterLogEvents, GetLogEvents, DescribeLogGroups and DescribeLogStreams, which is what
// `aws logs tail` and `aws logs filter-log-events` call. Events are kept in memory and in an
// append-only file of the state directory, so a restart keeps the history.
package logs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxEvents bounds what one group keeps: the oldest go first, as a retention period would.
const maxEvents = 20000

// Event is one log line.
type Event struct {
	Group     string `json:"g"`
	Stream    string `json:"s"`
	Timestamp int64  `json:"t"` // milliseconds since the epoch
	Ingested  int64  `json:"i"`
	Message   string `json:"m"`
	ID        string `json:"id"`
}

// Store holds the log groups.
type Store struct {
	now  func() time.Time
	path string

	mu      sync.Mutex
	groups  map[string]*group
	seq     uint64
	file    *os.File
	created map[string]int64
}

type group struct {
	created int64
	events  []Event
	streams map[string]*stream
}

type stream struct {
	created, first, last, ingested int64
}

// Open loads the events kept at path ("" keeps them in memory only). now is the service's
// clock, which stamps every event.
func Open(path string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	s := &Store{now: now, path: path, groups: map[string]*group{}}
	if path == "" {
		return s, nil
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Group != "" {
				s.add(e)
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	s.file = f
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Put appends lines to a stream of a group (both made when new), stamped at the time each
// line's t says (zero: now).
func (s *Store) Put(groupName, streamName string, at time.Time, lines ...string) {
	if at.IsZero() {
		at = s.now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ingest := s.now().UnixMilli()
	for _, l := range lines {
		s.seq++
		e := Event{Group: groupName, Stream: streamName, Timestamp: at.UnixMilli(), Ingested: ingest, Message: l,
			ID: fmt.Sprintf("%020d%016d", at.UnixMilli(), s.seq)}
		s.add(e)
		if s.file != nil {
			if b, err := json.Marshal(e); err == nil {
				_, _ = s.file.Write(append(b, '\n')) // the log is best effort, as CloudWatch's delivery is
			}
		}
	}
}

// add records e. Call with s.mu held.
func (s *Store) add(e Event) {
	g := s.groups[e.Group]
	if g == nil {
		g = &group{created: e.Timestamp, streams: map[string]*stream{}}
		s.groups[e.Group] = g
	}
	st := g.streams[e.Stream]
	if st == nil {
		st = &stream{created: e.Timestamp, first: e.Timestamp}
		g.streams[e.Stream] = st
	}
	st.last, st.ingested = e.Timestamp, e.Ingested
	g.events = append(g.events, e)
	if len(g.events) > maxEvents {
		g.events = append(g.events[:0], g.events[len(g.events)-maxEvents:]...)
	}
	var seq uint64
	if len(e.ID) < 21 {
		return
	}
	if _, err := fmt.Sscanf(e.ID[20:], "%d", &seq); err == nil && seq > s.seq {
		s.seq = seq
	}
}

// Query selects events of one group.
type Query struct {
	Group        string
	Streams      []string // only these streams; empty: all
	StreamPrefix string
	Start, End   int64 // milliseconds; zero: unbounded
	Pattern      string
	FromHead     bool
	AfterID      string // events after this one (paging)
	Limit        int
}

// Events returns the group's events that match q, oldest first, and whether more remain
// after the last one returned. ok is false when the group does not exist.
func (s *Store) Events(q Query) (out []Event, more, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[q.Group]
	if g == nil {
		return nil, false, false
	}
	match := compilePattern(q.Pattern)
	limit := q.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	evs := append([]Event(nil), g.events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].ID < evs[j].ID })
	for _, e := range evs {
		switch {
		case q.AfterID != "" && e.ID <= q.AfterID,
			len(q.Streams) > 0 && !contains(q.Streams, e.Stream),
			q.StreamPrefix != "" && !strings.HasPrefix(e.Stream, q.StreamPrefix),
			q.Start != 0 && e.Timestamp < q.Start,
			q.End != 0 && e.Timestamp > q.End,
			!match(e.Message):
			continue
		}
		if len(out) == limit {
			return out, true, true
		}
		out = append(out, e)
	}
	return out, false, true
}

// Group describes a log group.
type Group struct {
	Name    string
	Created int64
	Bytes   int64
}

// Groups lists the groups whose names start with prefix, by name.
func (s *Store) Groups(prefix string) []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Group
	for name, g := range s.groups {
		if strings.HasPrefix(name, prefix) {
			var n int64
			for _, e := range g.events {
				n += int64(len(e.Message))
			}
			out = append(out, Group{Name: name, Created: g.created, Bytes: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Stream describes a log stream.
type Stream struct {
	Name                           string
	Created, First, Last, Ingested int64
}

// Streams lists a group's streams, newest event last; ok is false when the group does not exist.
func (s *Store) Streams(groupName string) (out []Stream, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[groupName]
	if g == nil {
		return nil, false
	}
	for name, st := range g.streams {
		out = append(out, Stream{Name: name, Created: st.created, First: st.first, Last: st.last, Ingested: st.ingested})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Last < out[j].Last })
	return out, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compilePattern reads a filter pattern's simple forms: terms that must all appear (a quoted
// term as one phrase), "?term" alternatives of which one must appear, and "-term" exclusions.
// Like CloudWatch, terms match case-sensitively.
func compilePattern(p string) func(string) bool {
	p = strings.TrimSpace(p)
	if p == "" || p == `""` {
		return func(string) bool { return true }
	}
	var all, any, none []string
	for _, t := range splitTerms(p) {
		switch {
		case strings.HasPrefix(t, "?"):
			any = append(any, strings.TrimPrefix(t, "?"))
		case strings.HasPrefix(t, "-"):
			none = append(none, strings.TrimPrefix(t, "-"))
		default:
			all = append(all, t)
		}
	}
	return func(m string) bool {
		for _, t := range all {
			if !strings.Contains(m, t) {
				return false
			}
		}
		for _, t := range none {
			if strings.Contains(m, t) {
				return false
			}
		}
		if len(any) == 0 {
			return true
		}
		for _, t := range any {
			if strings.Contains(m, t) {
				return true
			}
		}
		return false
	}
}

// splitTerms splits on spaces outside double quotes, and drops the quotes.
func splitTerms(p string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return out
}
