package awsapi

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/smithy-go/logging"
)

// SDKLogger returns a logger for the AWS SDK's own messages (aws.Config's
// Logger, set with config.WithLogger) that passes them to log at level
// debug, whatever the SDK's classification, with their classification as
// sdk_level. Without it the SDK writes to stderr past iamsweep's logger
// and its --log-level and --log-format ("SDK 2026/11/23 ... WARN falling
// back to IMDSv1 ...", when the instance metadata service refuses a
// token on a machine without credentials).
func SDKLogger(log *slog.Logger) logging.Logger { return sdkLogger{log} }

type sdkLogger struct{ log *slog.Logger }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if !l.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.log.Debug(fmt.Sprintf(format, v...), "source", "aws-sdk", "sdk_level", string(c))
}
