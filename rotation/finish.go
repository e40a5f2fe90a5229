package rotation

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// finishSecret moves AWSCURRENT to the token's version; the service moves
// AWSPREVIOUS to the version it leaves. AWSPENDING stays on the new current
// version, as AWS's template leaves it: an allowed end state, and one that
// lets a client read "the version this rotation made" until the next one.
func (f *Function) finishSecret(ctx context.Context, ev Event, n *note) error {
	meta, err := f.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return fmt.Errorf("describe secret: %w", err)
	}
	current := versionWith(meta.VersionIdsToStages, StageCurrent)
	if current == ev.ClientRequestToken {
		n.add("version already AWSCURRENT")
		n.logs("finishSecret: Version %s already marked as AWSCURRENT for %s", current, ev.SecretID)
		return nil
	}
	in := &sm.UpdateSecretVersionStageInput{
		SecretId:        aws.String(ev.SecretID),
		VersionStage:    aws.String(StageCurrent),
		MoveToVersionId: aws.String(ev.ClientRequestToken),
	}
	if current != "" {
		in.RemoveFromVersionId = aws.String(current)
	}
	if _, err := f.Secrets.UpdateSecretVersionStage(ctx, in); err != nil {
		return fmt.Errorf("move %s to version %s: %w", StageCurrent, ev.ClientRequestToken, err)
	}
	if current != "" {
		n.add(fmt.Sprintf("moved %s onto this version and %s onto the one it left; %s stays here", StageCurrent, StagePrevious, StagePending))
	} else {
		n.add(fmt.Sprintf("moved %s onto this version; %s stays here", StageCurrent, StagePending))
	}
	n.logs("finishSecret: Successfully set AWSCURRENT stage to version %s for secret %s.", ev.ClientRequestToken, ev.SecretID)
	return nil
}
