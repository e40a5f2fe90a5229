package secretsmanager

import (
	"strings"
)

// Character classes of GetRandomPassword, as AWS documents them.
const (
	lowerChars       = "abcdefghijklmnopqrstuvwxyz"
	upperChars       = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars       = "0123456789"
	punctuationChars = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	defaultPassLen   = 32
	maxPassLen       = 4096
)

func (s *Service) getRandomPassword(rq *request, body []byte) (any, *apiError) {
	var in randomPasswordInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	pw, e := randomPassword(in)
	if e != nil {
		return nil, e
	}
	return randomPasswordOutput{RandomPassword: pw}, nil
}

func flag(b *bool) bool { return b != nil && *b }

// randomPassword draws a password from crypto/rand. Unless
// RequireEachIncludedType is false, it holds at least one character of each
// included class (lower, upper, digit, punctuation); a space, when allowed,
// is never required.
func randomPassword(in randomPasswordInput) (string, *apiError) {
	length := int64(defaultPassLen)
	if in.PasswordLength != nil {
		length = *in.PasswordLength
		if length < 1 || length > maxPassLen {
			return "", validationf("passwordLength", "Member must have value between 1 and 4096")
		}
	}
	exclude := ""
	if in.ExcludeCharacters != nil {
		exclude = *in.ExcludeCharacters
		if len(exclude) > maxPassLen {
			return "", validationf("excludeCharacters", "Member must have length less than or equal to 4096")
		}
	}
	keep := func(set string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(exclude, r) {
				return -1
			}
			return r
		}, set)
	}
	var classes []string
	for _, c := range []struct {
		set  string
		skip bool
	}{
		{lowerChars, flag(in.ExcludeLowercase)},
		{upperChars, flag(in.ExcludeUppercase)},
		{digitChars, flag(in.ExcludeNumbers)},
		{punctuationChars, flag(in.ExcludePunctuation)},
	} {
		if set := keep(c.set); !c.skip && set != "" {
			classes = append(classes, set)
		}
	}
	all := strings.Join(classes, "")
	if flag(in.IncludeSpace) && !strings.Contains(exclude, " ") {
		all += " "
	}
	if all == "" {
		return "", errorf(typeInvalidParameter, "No characters are left to make a password from: every type is excluded.")
	}
	require := in.RequireEachIncludedType == nil || *in.RequireEachIncludedType
	if require && int64(len(classes)) > length {
		return "", errorf(typeInvalidParameter, msgPasswordTooShort)
	}
	pw := make([]byte, 0, length)
	if require {
		for _, set := range classes {
			pw = append(pw, set[randIndex(len(set))])
		}
	}
	for int64(len(pw)) < length {
		pw = append(pw, all[randIndex(len(all))])
	}
	// Shuffle so the required characters are not always at the front.
	for i := len(pw) - 1; i > 0; i-- {
		j := randIndex(i + 1)
		pw[i], pw[j] = pw[j], pw[i]
	}
	return string(pw), nil
}
