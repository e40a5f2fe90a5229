package probe

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/rotation"
)

// SecretGetter reads a secret's value; *secretsmanager.Client satisfies it.
type SecretGetter interface {
	GetSecretValue(ctx context.Context, in *sm.GetSecretValueInput, optFns ...func(*sm.Options)) (*sm.GetSecretValueOutput, error)
}

// Cache holds one secret's AWSCURRENT value for an application, like AWS's
// caching clients: it reads the secret again when its policy says its copy
// is too old, or after it has been invalidated (after a failed login).
type Cache struct {
	api      SecretGetter
	secretID string
	policy   func() Policy
	now      func() time.Time

	mu        sync.Mutex
	value     rotation.Secret
	version   string
	fetchedAt time.Time
	valid     bool
}

func newCache(api SecretGetter, secretID string, policy func() Policy, now func() time.Time) *Cache {
	return &Cache{api: api, secretID: secretID, policy: policy, now: now}
}

// Get returns the cached value, reading the secret first if needed.
func (c *Cache) Get(ctx context.Context) (rotation.Secret, string, error) {
	policy := c.policy()
	c.mu.Lock()
	fresh := c.valid && policy.fresh(c.now().Sub(c.fetchedAt))
	value, version := c.value, c.version
	c.mu.Unlock()
	if fresh {
		return value, version, nil
	}
	if err := c.Refresh(ctx); err != nil {
		return rotation.Secret{}, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value, c.version, nil
}

// Refresh reads AWSCURRENT now.
func (c *Cache) Refresh(ctx context.Context) error {
	out, err := c.api.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(c.secretID)})
	if err != nil {
		return fmt.Errorf("read secret %s: %w", c.secretID, err)
	}
	if out.SecretString == nil {
		return fmt.Errorf("read secret %s: no SecretString", c.secretID)
	}
	value, err := rotation.ParseSecret(*out.SecretString)
	if err != nil {
		return fmt.Errorf("read secret %s: %w", c.secretID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value, c.version, c.fetchedAt, c.valid = value, aws.ToString(out.VersionId), c.now(), true
	return nil
}

// Invalidate makes the next Get read the secret again.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

// Held says which version the cache holds, for whom, and since when.
func (c *Cache) Held() (version, user string, fetchedAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, c.value.Username, c.fetchedAt
}
