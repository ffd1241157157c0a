package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestScan_sdkLogsGoThroughTheLogger checks that the AWS SDK's own log
// lines reach iamsweep's logger at level debug instead of stderr. The
// credential chain's instance metadata client warns "falling back to
// IMDSv1" when the metadata service refuses a token (403); a local server
// plays that service, with no credentials behind it.
func TestScan_sdkLogsGoThroughTheLogger(t *testing.T) {
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()
	isolateAWS(t, "", "")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)

	r := runCLI(t, nil, "", false, "scan", "--log-level", "debug", "--log-format", "json", "--no-state")
	if r.code != ExitFailure {
		t.Fatalf("exit %d, want %d (no credentials); stderr:\n%s", r.code, ExitFailure, r.stderr)
	}
	found := false
	for line := range strings.Lines(r.stderr) {
		if !strings.HasPrefix(line, "{") {
			continue // iamsweep's final error line
		}
		var rec struct {
			Level, Msg, Source string
			SDKLevel           string `json:"sdk_level"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line is not a JSON record: %q", line)
		}
		if strings.Contains(rec.Msg, "falling back to IMDSv1") {
			found = true
			if rec.Level != "DEBUG" || rec.Source != "aws-sdk" || rec.SDKLevel != "WARN" {
				t.Errorf("the SDK's warning was logged as %+v, want level DEBUG, source aws-sdk, sdk_level WARN", rec)
			}
		}
	}
	if !found {
		t.Errorf("the SDK's IMDSv1 warning is not among the log records:\n%s", r.stderr)
	}
}
