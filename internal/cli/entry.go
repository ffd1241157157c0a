package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
)

// Entry runs iamsweep's commands in process for another entry point. The
// Lambda function (internal/lambdafn) runs its scheduled scan as the scan
// command, so that every setting, those added later included, works there
// as it does on the command line, and it reads the settings of its AWS
// Config rule the way scan does.
//
// An Entry has no default state database: a scan records its result only
// in the one that the state setting names (IAMSWEEP_STATE).
type Entry struct {
	// IO holds the streams and the environment.
	IO IO
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Defaults, when not nil, changes the settings' defaults; the config
	// file (IAMSWEEP_CONFIG), the environment and flags apply over them.
	Defaults func(*config.Config)
	// Retry tunes the AWS retryer (tests retry without waiting).
	Retry awsapi.RetryOptions
}

func (e Entry) deps() deps {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	return deps{io: e.IO, now: now, retry: e.Retry, defaults: e.Defaults}
}

// Run runs a command line as Main does and returns its exit status and its
// final error, which it does not print (Main prints it as "iamsweep:
// <error>"). The error is nil for status 0; for 3 and 4 it is a
// *StatusError, an outcome the output has shown.
func (e Entry) Run(ctx context.Context, args ...string) (int, error) {
	err := execute(ctx, args, e.deps())
	return exitStatus(err), err
}

// Settings resolves the settings as scan does without flags: the defaults
// (changed by Defaults), then the config file that IAMSWEEP_CONFIG names,
// then the IAMSWEEP_* environment. Errors are *iamsweep.InputError values
// naming the variable or the file and line.
func (e Entry) Settings() (config.Config, error) {
	d := e.deps()
	if d.io.Getenv == nil {
		d.io.Getenv = func(string) string { return "" }
	}
	cfg := d.config()
	var file *config.File
	if path := d.io.Getenv(configEnv); path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return config.Config{}, err
		}
	}
	if err := cfg.Resolve(config.Sources{Getenv: d.io.Getenv, File: file, Now: d.now()}); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// Logger returns the logger the settings describe (log-level,
// log-format), writing to the error stream.
func (e Entry) Logger(cfg config.Config) *slog.Logger {
	return newLogger(e.IO.ErrOut, cfg.LogLevel, cfg.LogFormat)
}

// AWSConfig loads the AWS SDK configuration as the commands do: the SDK's
// default credential chain, the profile, region and endpoint-url
// settings, iamsweep's retryer and HTTP client, and the SDK's log on log.
// It fails when no credentials can be found.
func (e Entry) AWSConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (aws.Config, error) {
	return loadAWSConfig(ctx, cfg, e.Retry, log)
}
