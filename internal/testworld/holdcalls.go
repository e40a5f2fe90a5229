package testworld

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	smsvc "rotation-tutor/sandbox/secretsmanager"
)

// heldCalls is an HTTP transport below the SDK that makes chosen Secrets Manager
// operations wait: the requests are real, only their timing is the test's.
type heldCalls struct {
	mu    sync.Mutex
	holds map[string]*held // by operation
}

type held struct {
	release chan struct{}
	reached chan struct{}
	once    sync.Once
}

func (h *heldCalls) hold(t testing.TB, op string) (<-chan struct{}, func()) {
	x := &held{release: make(chan struct{}), reached: make(chan struct{})}
	h.mu.Lock()
	if h.holds == nil {
		h.holds = map[string]*held{}
	}
	h.holds[op] = x
	h.mu.Unlock()
	release := sync.OnceFunc(func() {
		h.mu.Lock()
		if h.holds[op] == x {
			delete(h.holds, op)
		}
		h.mu.Unlock()
		close(x.release)
	})
	t.Cleanup(release)
	return x.reached, release
}

func (h *heldCalls) RoundTrip(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	h.mu.Lock()
	x := h.holds[op]
	h.mu.Unlock()
	if x != nil {
		x.once.Do(func() { close(x.reached) })
		select {
		case <-x.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// client is an SDK client for the endpoint at url, signing with key, whose calls go through h.
func (h *heldCalls) client(region, url string, key smsvc.AccessKey) *sm.Client {
	return sm.New(sm.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		HTTPClient:   &http.Client{Transport: h},
	})
}
