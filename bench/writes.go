package bench

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/sandbox"
)

// Writes is what storing secrets costs the sandbox: the process's resident memory after
// PutCalls calls of PutSecretValue with PutValueKB of value each, all to one secret (AWS keeps
// every version younger than a day, so all of them are kept), and the bytes the endpoint wrote
// to its state file per call, averaged over them.
type Writes struct {
	PutCalls           int     `json:"put_calls"`
	PutValueKB         int     `json:"put_value_kb"`
	RSSAfterPutsMB     float64 `json:"rss_after_puts_mb"`
	BytesWrittenPerPut float64 `json:"bytes_written_per_put"`
}

const (
	defaultPutCalls = 1000
	putValueKB      = 60
)

// measureWrites makes calls PutSecretValue calls of 60 KB to a new secret through client.
func measureWrites(ctx context.Context, sb *sandbox.Sandbox, client *sm.Client, calls int, progress func(string, int, int)) (Writes, error) {
	w := Writes{PutCalls: calls, PutValueKB: putValueKB}
	name := "BenchWrites"
	if _, err := client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(name)}); err != nil {
		return w, fmt.Errorf("create secret: %w", err)
	}
	before := sb.StateBytesWritten()
	body := strings.Repeat("0123456789abcdef", putValueKB*1024/16)
	for i := range calls {
		// Each value differs in its first characters, as each version's would.
		value := fmt.Sprintf("%08d", i) + body[8:]
		if _, err := client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)}); err != nil {
			return w, fmt.Errorf("PutSecretValue %d: %w", i+1, err)
		}
		if i%50 == 0 {
			progress("PutSecretValue 60 KB", i, calls)
		}
	}
	w.RSSAfterPutsMB = residentMB()
	if calls > 0 {
		w.BytesWrittenPerPut = float64(sb.StateBytesWritten()-before) / float64(calls)
	}
	return w, nil
}
