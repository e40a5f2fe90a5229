package secretsmanager

import (
	"errors"
	"fmt"
	"sort"
)

// open loads the journal at path (a missing file is an empty state) and starts its writer.
func (s *Service) open(path string, key []byte) error {
	j, err := newJournal(path, key)
	if err != nil {
		return err
	}
	recs, err := j.load()
	if err != nil && !errors.Is(err, errMissing) {
		return err
	}
	secrets, seq := replay(recs)
	s.restore(secrets, seq)
	j.live = s.liveEstimate()
	j.snapshot = s.snapshot
	s.journal = j
	return j.start()
}

// restore installs what the journal held; called by New before anything runs.
func (s *Service) restore(secrets map[string]*secret, seq uint64) {
	s.seq, s.seqOnDisk = seq, seq
	for arn, sec := range secrets {
		if sec.Name == "" || arn == "" || s.secrets[regionName(sec.region(), sec.Name)] != nil {
			continue
		}
		for id, v := range sec.Versions {
			v.ID = id
			s.seq = max(s.seq, v.Seq)
			s.valueBytes += v.size()
			s.versionCount++
		}
		s.seq = max(s.seq, sec.Seq)
		s.register(sec)
		s.image[arn] = imageOf(sec)
	}
}

// changed records that sec changed; call with s.mu held. Its records are queued when the
// request (or the background work) that changed it is done.
func (s *Service) changed(sec *secret) {
	s.poke() // the change may move the next rotation
	if s.journal != nil {
		s.dirty[sec] = struct{}{}
	}
}

// enqueueLocked queues the records of every change not yet queued and returns the ticket
// that covers them (and everything queued before); call with s.mu held.
func (s *Service) enqueueLocked() uint64 {
	if s.journal == nil {
		return 0
	}
	var recs []record
	if s.seq != s.seqOnDisk {
		recs = append(recs, record{Seq: s.seq})
		s.seqOnDisk = s.seq
	}
	for sec := range s.dirty {
		r, img := changes(sec, s.byARN[sec.ARN] != sec, s.image[sec.ARN])
		if img == nil {
			delete(s.image, sec.ARN)
		} else {
			s.image[sec.ARN] = img
		}
		recs = append(recs, r...)
	}
	clear(s.dirty)
	return s.journal.enqueue(recs, s.liveEstimate())
}

// liveEstimate is about what the journal's fresh copy of the state takes: the values
// (binary ones base64-encoded, so a third more) and some hundreds of bytes of fields for
// each version and secret. Call with s.mu held.
func (s *Service) liveEstimate() int64 {
	return s.valueBytes*4/3 + 300*s.versionCount + 1000*int64(len(s.byARN))
}

// errNotSaved is what a client hears when its change could not be written.
var errNotSaved = errors.New("the change could not be saved")

// sync queues what changed and, with wait, returns once it (and everything queued before
// it) is on disk. It is called without s.mu: the writing happens outside the lock.
func (s *Service) sync(wait bool) error {
	s.mu.Lock()
	t := s.enqueueLocked()
	s.mu.Unlock()
	if !wait || s.journal == nil {
		return nil
	}
	if err := s.journal.wait(t); err != nil {
		s.logf("secretsmanager: %v", err)
		return fmt.Errorf("%w: %v", errNotSaved, err)
	}
	return nil
}

// snapshot is every secret's records, for the journal's fresh copy. It queues what is not
// yet queued and hands the queue to the snapshot, under the lock, so nothing slips between.
func (s *Service) snapshot() []record {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enqueueLocked()
	s.journal.take()
	all := make([]*secret, 0, len(s.byARN))
	for _, sec := range s.byARN {
		all = append(all, sec)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	recs := []record{{Seq: s.seq}}
	for _, sec := range all {
		recs = append(recs, secretRecords(sec)...)
		s.image[sec.ARN] = imageOf(sec)
	}
	return recs
}
