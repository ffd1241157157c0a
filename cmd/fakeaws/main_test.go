package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func TestRun_addressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	err = run(t.Context(), &stderr, ln.Addr().String(), "", "", 0, 0, false, "")
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("run on a taken address: %v, want the bind's error", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("run printed %q although it could not listen", stderr.String())
	}
}

// lineWriter passes each write (one line of fakeaws) to a channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

func TestRun_servesTheExampleFromAnyDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	lines := make(lineWriter, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, lines, "127.0.0.1:0", "", "", 0, 0, false, "") }()

	var line string
	select {
	case line = <-lines:
	case err := <-done:
		t.Fatalf("run ended before it served: %v", err)
	}
	if !strings.HasPrefix(line, "fakeaws: account 111122223333 (30 roles, 7 users) on http://127.0.0.1:") {
		t.Errorf("run said %q, want the example account and its address", line)
	}
	url := regexp.MustCompile(`http://\S+`).FindString(line)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("the fake does not answer at %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// An unsigned request: the fake answers as AWS does.
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("MissingAuthenticationToken")) {
		t.Errorf("GET %s: %d %s, want 403 MissingAuthenticationToken", url, resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after the cancellation: %v", err)
	}
}

func TestWriteOutbox(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	write := writeOutbox(dir, &stderr)
	write(fakeaws.SentEmail{MessageID: "m-1", From: "iamsweep@example.com", To: []string{"alice@example.com"},
		Subject: "iamsweep: your unused IAM role deploy", Text: "Keep: http://127.0.0.1:8080/d/tok\n", HTML: "<p>hi</p>"})
	txt, err := os.ReadFile(filepath.Join(dir, "0001.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"To: alice@example.com\n", "Subject: iamsweep: your unused IAM role deploy\n", "Keep: http://127.0.0.1:8080/d/tok"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("0001.txt = %q, lacks %q", txt, want)
		}
	}
	if html, err := os.ReadFile(filepath.Join(dir, "0001.html")); err != nil || string(html) != "<p>hi</p>" {
		t.Errorf("0001.html = %q, %v", html, err)
	}
	if !strings.Contains(stderr.String(), "fakeaws: mail to alice@example.com") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
