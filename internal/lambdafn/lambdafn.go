package lambdafn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/cli"
	"github.com/iamsweep/iamsweep/internal/config"
)

// RuntimeAPIEnv is the environment variable in which the Lambda runtime
// gives the address of its Runtime API, which the function polls for
// invocations.
const RuntimeAPIEnv = "AWS_LAMBDA_RUNTIME_API"

// Detect reports whether the process is to run as a Lambda function: the
// Lambda runtime has set AWS_LAMBDA_RUNTIME_API (as provided.al2023 and
// the Runtime Interface Emulator do, and as aws-lambda-go requires), and
// there are no command-line arguments. With arguments the binary is the
// command line, in Lambda too; without the variable there is no runtime
// to serve, whatever the executable's name.
func Detect(getenv func(string) string, args []string) bool {
	return getenv(RuntimeAPIEnv) != "" && len(args) == 0
}

// Start serves the Lambda runtime's invocations until the process ends:
// it does not return. ctx is the base of every invocation's context.
func Start(ctx context.Context) {
	// aws-lambda-go logs a failed invocation's error document with the
	// standard logger: without the date prefix each is one JSON line,
	// like iamsweep's own logs.
	log.SetFlags(0)
	h := &Handler{Entry: cli.Entry{IO: cli.IO{In: strings.NewReader(""), Out: os.Stdout, ErrOut: os.Stderr, Getenv: os.Getenv}}}
	lambda.StartWithOptions(h.Invoke, lambda.WithContext(ctx))
}

// Defaults are the settings' defaults in Lambda, below the config file
// and the environment: JSON logs at level info (CloudWatch Logs reads
// them; Lambda's JSON log format filters on their level), the report as
// JSON (the handler reads its counts), no progress display.
func Defaults(c *config.Config) {
	c.LogFormat, c.LogLevel, c.Output, c.Quiet = "json", "info", "json", true
}

// Handler answers the function's invocations.
type Handler struct {
	// Entry runs the commands and resolves the settings; its IO.ErrOut
	// receives the logs. Its Defaults are replaced by Defaults.
	Entry cli.Entry
	// ConfigRules tunes the AWS Config client (tests do not wait).
	ConfigRules awsapi.ConfigRulesOptions
}

// Result is what an invocation returns: Lambda passes it to an
// asynchronous invocation's success destination, and the logs show it.
type Result struct {
	// Event is the kind of event handled: an AWS Config message type or
	// "Scheduled Event".
	Event string `json:"event"`

	// ConfigRule is the rule evaluated (AWS Config events).
	ConfigRule string `json:"config_rule,omitempty"`
	// Evaluations counts the evaluations recorded, by compliance type.
	Evaluations map[string]int `json:"evaluations,omitempty"`
	// Deleted counts the NOT_APPLICABLE evaluations of roles deleted
	// since the rule last ran (among Evaluations).
	Deleted int `json:"deleted,omitempty"`
	// TestMode is set when the result token was TESTMODE: AWS Config
	// checked the evaluations and recorded none.
	TestMode bool `json:"test_mode,omitempty"`

	// ExitStatus is the scan's exit status (scheduled events): 0 nothing
	// unused, 4 unused access found, 3 some accounts failed.
	ExitStatus *int `json:"exit_status,omitempty"`
	// Summary counts the scan's findings by verdict, Accounts the
	// accounts scanned, failed and skipped (a JSON report's counts).
	Summary  *Counts `json:"summary,omitempty"`
	Accounts *Counts `json:"accounts,omitempty"`
	// FailedAccounts are the accounts that could not be scanned.
	FailedAccounts []string `json:"failed_accounts,omitempty"`
}

// Counts are counts by name, as the JSON report writes them.
type Counts map[string]int

// Error types of the invocations that fail, as the Lambda runtime reports
// them (errorType).
const (
	// ErrorInput: the event, the rule's parameters or the settings are
	// wrong; the same invocation would fail again.
	ErrorInput = "iamsweep.InputError"
	// ErrorPartial: some accounts of the scan failed; the others were
	// scanned (and exported).
	ErrorPartial = "iamsweep.PartialScan"
	// ErrorInterrupted: the invocation ran out of time or was stopped.
	ErrorInterrupted = "iamsweep.Interrupted"
	// ErrorFailed: anything else (an AWS error, missing permissions).
	ErrorFailed = "iamsweep.Failed"
)

// Invoke answers one invocation: an AWS Config rule event or an
// EventBridge scheduled event. A failed invocation returns a
// messages.InvokeResponse_Error, whose type is one of the Error* names.
func (h *Handler) Invoke(ctx context.Context, event json.RawMessage) (Result, error) {
	var probe struct {
		InvokingEvent *string `json:"invokingEvent"`
		Source        string  `json:"source"`
		DetailType    string  `json:"detail-type"`
	}
	if err := json.Unmarshal(event, &probe); err != nil {
		return Result{}, failure(iamsweep.NewInputError("event", "", fmt.Errorf("want a JSON object: %v", err)), 0)
	}
	switch {
	case probe.InvokingEvent != nil:
		var ev events.ConfigEvent
		if err := json.Unmarshal(event, &ev); err != nil {
			return Result{}, failure(iamsweep.NewInputError("event", "", fmt.Errorf("not an AWS Config rule event: %v", err)), 0)
		}
		r, err := h.configRule(ctx, ev)
		return r, failure(err, 0)
	case probe.Source == "aws.events" && probe.DetailType == "Scheduled Event":
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(event, &ev); err != nil {
			return Result{}, failure(iamsweep.NewInputError("event", "", fmt.Errorf("not an EventBridge event: %v", err)), 0)
		}
		r, err := h.scheduledScan(ctx, ev)
		status := 0
		if r.ExitStatus != nil {
			status = *r.ExitStatus
		}
		return r, failure(err, status)
	default:
		return Result{}, failure(iamsweep.NewInputError("event", "", errors.New(
			"not an event iamsweep handles: want an AWS Config rule event (with invokingEvent) or an EventBridge scheduled event (source aws.events, detail-type Scheduled Event)")), 0)
	}
}

// failure returns err as the Lambda runtime's error document, with the
// type that says what kind of failure it is; nil stays nil.
func failure(err error, status int) error {
	if err == nil {
		return nil
	}
	typ := ErrorFailed
	switch {
	case status == cli.ExitPartial:
		typ = ErrorPartial
	case iamsweep.IsInputError(err) || status == cli.ExitUsage:
		typ = ErrorInput
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || status == cli.ExitInterrupted:
		typ = ErrorInterrupted
	}
	return messages.InvokeResponse_Error{Type: typ, Message: err.Error()}
}

// settings resolves the settings (Defaults, the config file, the
// environment) and the logger they describe.
func (h *Handler) settings() (config.Config, *cli.Entry, error) {
	e := h.Entry
	e.Defaults = Defaults
	cfg, err := e.Settings()
	return cfg, &e, err
}

// now is the handler's clock.
func (h *Handler) now() time.Time {
	if h.Entry.Now != nil {
		return h.Entry.Now()
	}
	return time.Now()
}
