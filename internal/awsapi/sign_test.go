package awsapi

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

func v4EmptyPayload(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:])
}

func nowUTC() time.Time { return time.Now().UTC() }
