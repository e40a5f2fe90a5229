package secretsmanager

import (
	"slices"
	"time"
)

// batch is one frame of the journal.
type batch struct {
	Records []record `json:"records"`
}

// record is one change. Exactly one of its parts is set, besides Seq.
type record struct {
	// Seq is the service's sequence counter after the change, when it moved.
	Seq uint64 `json:"seq,omitempty"`
	// Secret is a secret's own fields, without its versions: created or changed.
	Secret *secret `json:"secret,omitempty"`
	// Version is a version of the secret ARN, whole (with its value): new, or its value
	// just stored (createSecret filling the empty AWSPENDING version).
	Version *version `json:"version,omitempty"`
	// Labels are a version's labels and access date, without its value.
	Labels *versionLabels `json:"labels,omitempty"`
	// DropVersion is a version removed (pruned, or a test rotation's).
	DropVersion string `json:"dropVersion,omitempty"`
	// DropSecret is a secret removed for good.
	DropSecret bool `json:"dropSecret,omitempty"`
	// ARN is the secret a Version, Labels, DropVersion or DropSecret belongs to.
	ARN string `json:"arn,omitempty"`
}

type versionLabels struct {
	ID       string    `json:"id"`
	Stages   []string  `json:"stages,omitempty"`
	Accessed time.Time `json:"accessed,omitzero"`
}

// onDisk is what the journal holds of one secret's versions, to tell what changed since.
type onDisk map[string]versionImage

type versionImage struct {
	stages   []string
	accessed time.Time
	hasValue bool
}

// secretOnly is a copy of sec's own fields, for a record: the versions travel apart, and
// the copy does not share the slices the service changes in place.
func secretOnly(sec *secret) *secret {
	c := *sec
	c.Versions = nil
	c.Tags = slices.Clone(sec.Tags)
	c.Replicas = slices.Clone(sec.Replicas)
	c.parsed = policyCache{}
	if sec.Rotation != nil {
		r := *sec.Rotation
		c.Rotation = &r
	}
	return &c
}

// versionCopy is a copy of v for a record. The value is shared: once stored it never
// changes.
func versionCopy(v *version) *version {
	c := *v
	c.Stages = slices.Clone(v.Stages)
	return &c
}

// secretRecords are the records that recreate sec whole (a snapshot's part).
func secretRecords(sec *secret) []record {
	recs := []record{{Secret: secretOnly(sec)}}
	for _, v := range sec.sortedVersions() {
		recs = append(recs, record{ARN: sec.ARN, Version: versionCopy(v)})
	}
	return recs
}

// changes are the records that bring the journal's image of sec up to date, and the image
// after them. A secret forgotten since gives one DropSecret.
func changes(sec *secret, forgotten bool, img onDisk) ([]record, onDisk) {
	if forgotten {
		if img == nil {
			return nil, nil
		}
		return []record{{ARN: sec.ARN, DropSecret: true}}, nil
	}
	if img == nil {
		img = onDisk{}
	}
	recs := []record{{Secret: secretOnly(sec)}}
	for id, v := range sec.Versions {
		was, known := img[id]
		switch {
		case !known || (v.hasValue() && !was.hasValue):
			recs = append(recs, record{ARN: sec.ARN, Version: versionCopy(v)})
		case !slices.Equal(was.stages, v.Stages) || !was.accessed.Equal(v.Accessed):
			recs = append(recs, record{ARN: sec.ARN, Labels: &versionLabels{ID: id, Stages: slices.Clone(v.Stages), Accessed: v.Accessed}})
		default:
			continue
		}
		img[id] = versionImage{stages: slices.Clone(v.Stages), accessed: v.Accessed, hasValue: v.hasValue()}
	}
	for id := range img {
		if sec.Versions[id] == nil {
			recs = append(recs, record{ARN: sec.ARN, DropVersion: id})
			delete(img, id)
		}
	}
	return recs, img
}

// replay applies records in order and returns the secrets, by ARN, and the last Seq.
func replay(recs []record) (map[string]*secret, uint64) {
	secrets := map[string]*secret{}
	var seq uint64
	for _, r := range recs {
		seq = max(seq, r.Seq)
		switch {
		case r.Secret != nil:
			sec := r.Secret
			if old := secrets[sec.ARN]; old != nil {
				sec.Versions = old.Versions
			} else {
				sec.Versions = map[string]*version{}
			}
			secrets[sec.ARN] = sec
		case r.DropSecret:
			delete(secrets, r.ARN)
		case secrets[r.ARN] == nil:
			// A change to a secret the journal no longer holds: nothing to apply it to.
		case r.Version != nil:
			secrets[r.ARN].Versions[r.Version.ID] = r.Version
		case r.Labels != nil:
			if v := secrets[r.ARN].Versions[r.Labels.ID]; v != nil {
				v.Stages, v.Accessed = r.Labels.Stages, r.Labels.Accessed
			}
		case r.DropVersion != "":
			delete(secrets[r.ARN].Versions, r.DropVersion)
		}
	}
	return secrets, seq
}

// imageOf is what the journal holds of sec once sec has been loaded or snapshotted.
func imageOf(sec *secret) onDisk {
	img := make(onDisk, len(sec.Versions))
	for id, v := range sec.Versions {
		img[id] = versionImage{stages: slices.Clone(v.Stages), accessed: v.Accessed, hasValue: v.hasValue()}
	}
	return img
}
