package database

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// nativePasswordHash is mysql_native_password's stored form,
// "*" + HEX(SHA1(SHA1(password))), the same as GMS's AddSuperUser makes.
func nativePasswordHash(password string) string {
	if password == "" {
		return ""
	}
	s1 := sha1.Sum([]byte(password))
	s2 := sha1.Sum(s1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(s2[:]))
}
