package secretsmanager

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/schemas"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithytraits "github.com/aws/smithy-go/traits"
)

// AWS's published model of the service, read where it is installed, never copied into the
// project: botocore's JSON model (Debian's python3-botocore, older than BatchGetSecretValue)
// and the schemas aws-sdk-go-v2 generated from the current Smithy model (in the module
// cache, at the version go.mod names).

// botocoreModel is where Debian's botocore keeps the service's model.
const botocoreModel = "/usr/lib/python3/dist-packages/botocore/data/secretsmanager/2017-10-17/service-2.json"

type botoRef struct {
	Shape string `json:"shape"`
}

type botoShape struct {
	Type      string             `json:"type"`
	Members   map[string]botoRef `json:"members"`
	Member    *botoRef           `json:"member"`
	Key       *botoRef           `json:"key"`
	Value     *botoRef           `json:"value"`
	Required  []string           `json:"required"`
	Enum      []string           `json:"enum"`
	Min       *float64           `json:"min"`
	Max       *float64           `json:"max"`
	Exception bool               `json:"exception"`
}

type botoModel struct {
	Metadata struct {
		Protocol     string `json:"protocol"`
		JSONVersion  string `json:"jsonVersion"`
		TargetPrefix string `json:"targetPrefix"`
	} `json:"metadata"`
	Operations map[string]struct {
		Output *botoRef  `json:"output"`
		Errors []botoRef `json:"errors"`
	} `json:"operations"`
	Shapes map[string]botoShape `json:"shapes"`
}

// loadBotocore reads botocore's model at path (or path.gz, as newer botocore ships it).
func loadBotocore(path string) (*botoModel, error) {
	var r io.Reader
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		if f, err = os.Open(path + ".gz"); err == nil {
			defer f.Close()
			if r, err = gzip.NewReader(f); err != nil {
				return nil, err
			}
		}
	} else if err == nil {
		defer f.Close()
		r = f
	}
	if err != nil {
		return nil, err
	}
	var m botoModel
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// problems collects what an answer does wrong, with where.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

// checkBoto holds a decoded JSON value (numbers as json.Number) to the botocore shape
// name: members, types, required members, enums and length or range limits. A member the
// shape does not declare is allowed only when newer(shape, member) says that the newer
// model declares it; it is then reported in added.
func (m *botoModel) check(path string, v any, name string, p *problems, newer func(shape, member string) bool, added map[string]bool) {
	s, ok := m.Shapes[name]
	if !ok {
		p.add(path, "the model has no shape %s", name)
		return
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			p.add(path, "%s is a structure, the answer has %T", name, v)
			return
		}
		for _, req := range s.Required {
			if _, ok := obj[req]; !ok {
				p.add(path, "required member %s of %s is missing", req, name)
			}
		}
		for _, k := range sortedMapKeys(obj) {
			ref, ok := s.Members[k]
			switch {
			case ok:
				m.check(path+"."+k, obj[k], ref.Shape, p, newer, added)
			case newer(name, k):
				added[name+"."+k] = true
			default:
				p.add(path, "member %s is not declared in %s", k, name)
			}
		}
	case "list":
		list, ok := v.([]any)
		if !ok {
			p.add(path, "%s is a list, the answer has %T", name, v)
			return
		}
		m.limits(path, name, float64(len(list)), s, p)
		for i, item := range list {
			m.check(fmt.Sprintf("%s[%d]", path, i), item, s.Member.Shape, p, newer, added)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			p.add(path, "%s is a map, the answer has %T", name, v)
			return
		}
		for _, k := range sortedMapKeys(obj) {
			m.check(path+"{key}", k, s.Key.Shape, p, newer, added)
			m.check(path+"{"+k+"}", obj[k], s.Value.Shape, p, newer, added)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			p.add(path, "%s is a string, the answer has %T", name, v)
			return
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			p.add(path, "%q is not one of %s's values %v", str, name, s.Enum)
		}
		m.limits(path, name, float64(utf8.RuneCountInString(str)), s, p)
	case "boolean":
		if _, ok := v.(bool); !ok {
			p.add(path, "%s is a boolean, the answer has %T", name, v)
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			p.add(path, "%s is an integer, the answer has %v", name, v)
			return
		}
		f, _ := n.Float64()
		m.limits(path, name, f, s, p)
	case "timestamp":
		// AWS JSON sends timestamps as epoch seconds, a number.
		if n, ok := v.(json.Number); !ok {
			p.add(path, "%s is a timestamp (epoch seconds), the answer has %T", name, v)
		} else if _, err := n.Float64(); err != nil {
			p.add(path, "%s is a timestamp, %v is not a number", name, n)
		}
	case "blob":
		str, ok := v.(string)
		if _, err := base64.StdEncoding.DecodeString(str); !ok || err != nil {
			p.add(path, "%s is a blob (base64), the answer has %v", name, v)
		}
	default:
		p.add(path, "the check does not know the shape type %s", s.Type)
	}
}

// limits checks a length (strings, lists) or value (numbers) against the shape's min/max.
func (m *botoModel) limits(path, name string, n float64, s botoShape, p *problems) {
	if s.Min != nil && n < *s.Min {
		p.add(path, "%s has %v, below its minimum %v", name, n, *s.Min)
	}
	if s.Max != nil && n > *s.Max {
		p.add(path, "%s has %v, above its maximum %v", name, n, *s.Max)
	}
}

// sdkResponses are the response schemas aws-sdk-go-v2 generated, by operation (TagResource
// and UntagResource answer nothing). sdkOperations checks that this list is the SDK's.
var sdkResponses = map[string]*smithy.Schema{
	"BatchGetSecretValue":          schemas.BatchGetSecretValueResponse,
	"CancelRotateSecret":           schemas.CancelRotateSecretResponse,
	"CreateSecret":                 schemas.CreateSecretResponse,
	"DeleteResourcePolicy":         schemas.DeleteResourcePolicyResponse,
	"DeleteSecret":                 schemas.DeleteSecretResponse,
	"DescribeSecret":               schemas.DescribeSecretResponse,
	"GetRandomPassword":            schemas.GetRandomPasswordResponse,
	"GetResourcePolicy":            schemas.GetResourcePolicyResponse,
	"GetSecretValue":               schemas.GetSecretValueResponse,
	"ListSecrets":                  schemas.ListSecretsResponse,
	"ListSecretVersionIds":         schemas.ListSecretVersionIdsResponse,
	"PutResourcePolicy":            schemas.PutResourcePolicyResponse,
	"PutSecretValue":               schemas.PutSecretValueResponse,
	"RemoveRegionsFromReplication": schemas.RemoveRegionsFromReplicationResponse,
	"ReplicateSecretToRegions":     schemas.ReplicateSecretToRegionsResponse,
	"RestoreSecret":                schemas.RestoreSecretResponse,
	"RotateSecret":                 schemas.RotateSecretResponse,
	"StopReplicationToReplica":     schemas.StopReplicationToReplicaResponse,
	"TagResource":                  nil,
	"UntagResource":                nil,
	"UpdateSecret":                 schemas.UpdateSecretResponse,
	"UpdateSecretVersionStage":     schemas.UpdateSecretVersionStageResponse,
	"ValidateResourcePolicy":       schemas.ValidateResourcePolicyResponse,
}

// sdkEnums are the values of the enums the SDK generated, by shape name.
var sdkEnums = map[string][]string{
	"StatusType":           enumStrings(types.StatusType("").Values()),
	"FilterNameStringType": enumStrings(types.FilterNameStringType("").Values()),
	"SortOrderType":        enumStrings(types.SortOrderType("").Values()),
	"SortByType":           enumStrings(types.SortByType("").Values()),
}

func enumStrings[E ~string](vs []E) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// sdkOperations lists the operations of the SDK's client: its methods of the form
// Op(context.Context, *OpInput, ...func(*Options)) (*OpOutput, error).
func sdkOperations() []string {
	ctxType := reflect.TypeFor[context.Context]()
	var ops []string
	t := reflect.TypeFor[*sm.Client]()
	for i := range t.NumMethod() {
		m := t.Method(i)
		ft := m.Type // receiver first
		if ft.NumIn() == 4 && ft.In(1) == ctxType && ft.In(2).String() == "*secretsmanager."+m.Name+"Input" &&
			ft.NumOut() == 2 && ft.Out(0).String() == "*secretsmanager."+m.Name+"Output" {
			ops = append(ops, m.Name)
		}
	}
	sort.Strings(ops)
	return ops
}

// sdkErrors are the error shapes the SDK's model declares for the service.
func sdkErrors() map[string]*smithy.Schema {
	out := map[string]*smithy.Schema{}
	for id, e := range sm.TypeRegistry.Entries {
		if _, ok := smithy.SchemaTrait[*smithytraits.Error](e.Schema); ok {
			out[id[strings.Index(id, "#")+1:]] = e.Schema
		}
	}
	return out
}

// sdkStructures indexes, by shape name, every structure reachable from the responses and
// the errors: where botocore, being older, lacks a member, the SDK's structure of the same
// name says whether the current model declares it.
func sdkStructures() map[string]*smithy.Schema {
	out := map[string]*smithy.Schema{}
	var walk func(s *smithy.Schema)
	walk = func(s *smithy.Schema) {
		if s == nil {
			return
		}
		switch s.Type() {
		case smithy.ShapeTypeStructure, smithy.ShapeTypeUnion:
			name := s.ID().Name
			if s.TargetID().Name != "" {
				name = s.TargetID().Name
			}
			if out[name] != nil {
				return
			}
			out[name] = s
			for _, m := range s.Members() {
				walk(m)
			}
		case smithy.ShapeTypeList, smithy.ShapeTypeSet:
			walk(s.ListMember())
		case smithy.ShapeTypeMap:
			walk(s.MapValue())
		}
	}
	for _, s := range sdkResponses {
		walk(s)
	}
	for _, s := range sdkErrors() {
		walk(s)
	}
	return out
}

// checkSDK holds a decoded JSON value to an SDK schema: members and types (and the values
// of the enums in sdkEnums).
func checkSDK(path string, v any, s *smithy.Schema, p *problems) {
	name := s.ID().Name
	if s.TargetID().Name != "" {
		name = s.TargetID().Name
	}
	switch s.Type() {
	case smithy.ShapeTypeStructure, smithy.ShapeTypeUnion:
		obj, ok := v.(map[string]any)
		if !ok {
			p.add(path, "%s is a structure, the answer has %T", name, v)
			return
		}
		for _, k := range sortedMapKeys(obj) {
			m := s.Member(k)
			if m == nil {
				p.add(path, "member %s is not declared in %s", k, name)
				continue
			}
			checkSDK(path+"."+k, obj[k], m, p)
		}
	case smithy.ShapeTypeList, smithy.ShapeTypeSet:
		list, ok := v.([]any)
		if !ok {
			p.add(path, "%s is a list, the answer has %T", name, v)
			return
		}
		for i, item := range list {
			checkSDK(fmt.Sprintf("%s[%d]", path, i), item, s.ListMember(), p)
		}
	case smithy.ShapeTypeMap:
		obj, ok := v.(map[string]any)
		if !ok {
			p.add(path, "%s is a map, the answer has %T", name, v)
			return
		}
		for _, k := range sortedMapKeys(obj) {
			checkSDK(path+"{"+k+"}", obj[k], s.MapValue(), p)
		}
	case smithy.ShapeTypeString, smithy.ShapeTypeEnum:
		str, ok := v.(string)
		if !ok {
			p.add(path, "%s is a string, the answer has %T", name, v)
			return
		}
		if values, ok := sdkEnums[name]; ok && !slices.Contains(values, str) {
			p.add(path, "%q is not one of %s's values %v", str, name, values)
		}
	case smithy.ShapeTypeBoolean:
		if _, ok := v.(bool); !ok {
			p.add(path, "%s is a boolean, the answer has %T", name, v)
		}
	case smithy.ShapeTypeByte, smithy.ShapeTypeShort, smithy.ShapeTypeInteger, smithy.ShapeTypeLong, smithy.ShapeTypeIntEnum:
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			p.add(path, "%s is an integer, the answer has %v", name, v)
		}
	case smithy.ShapeTypeFloat, smithy.ShapeTypeDouble, smithy.ShapeTypeTimestamp:
		n, ok := v.(json.Number)
		if _, err := n.Float64(); !ok || err != nil {
			p.add(path, "%s is a number, the answer has %v", name, v)
		}
	case smithy.ShapeTypeBlob:
		str, ok := v.(string)
		if _, err := base64.StdEncoding.DecodeString(str); !ok || err != nil {
			p.add(path, "%s is a blob (base64), the answer has %v", name, v)
		}
	case smithy.ShapeTypeDocument:
	default:
		p.add(path, "the check does not know the shape type %v of %s", s.Type(), name)
	}
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
