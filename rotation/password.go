package rotation

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// DefaultExcludeCharacters are the characters AWS's templates keep out of
// generated passwords: they break connection strings, URLs and shell quoting.
const DefaultExcludeCharacters = `/@"'\`

// DefaultPasswordLength is GetRandomPassword's and the templates' default.
const DefaultPasswordLength = 32

// PasswordPolicy is what createSecret asks GetRandomPassword for; the
// template reads the same settings from its environment. The zero value is
// the template's default.
type PasswordPolicy struct {
	// ExcludeCharacters; empty means DefaultExcludeCharacters.
	ExcludeCharacters string
	// Length; zero means DefaultPasswordLength.
	Length             int
	ExcludeNumbers     bool
	ExcludePunctuation bool
	ExcludeUppercase   bool
	ExcludeLowercase   bool
	// RequireEachIncludedType; nil means true, as in the template.
	RequireEachIncludedType *bool
}

func (p PasswordPolicy) input() *sm.GetRandomPasswordInput {
	exclude := p.ExcludeCharacters
	if exclude == "" {
		exclude = DefaultExcludeCharacters
	}
	length := p.Length
	if length <= 0 {
		length = DefaultPasswordLength
	}
	require := true
	if p.RequireEachIncludedType != nil {
		require = *p.RequireEachIncludedType
	}
	return &sm.GetRandomPasswordInput{
		ExcludeCharacters:       aws.String(exclude),
		PasswordLength:          aws.Int64(int64(length)),
		ExcludeNumbers:          aws.Bool(p.ExcludeNumbers),
		ExcludePunctuation:      aws.Bool(p.ExcludePunctuation),
		ExcludeUppercase:        aws.Bool(p.ExcludeUppercase),
		ExcludeLowercase:        aws.Bool(p.ExcludeLowercase),
		RequireEachIncludedType: aws.Bool(require),
	}
}

func (f *Function) newPassword(ctx context.Context) (string, error) {
	out, err := f.Secrets.GetRandomPassword(ctx, f.Password.input())
	if err != nil {
		return "", err
	}
	if out.RandomPassword == nil || *out.RandomPassword == "" {
		return "", errors.New("GetRandomPassword returned no password")
	}
	return *out.RandomPassword, nil
}
