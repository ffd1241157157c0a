package iamsweep

import "time"

// Evidence of use for permission refinement (iamsweep refine). IAM's
// service last accessed data (GenerateServiceLastAccessedDetails with
// Granularity ACTION_LEVEL, read with GetServiceLastAccessedDetails) says,
// for one principal, when each service it may call was last used, and for
// the services IAM tracks at action level, when each tracked action was.
// The types below hold that report independently of the SDK, for a live
// job, a cached one or a saved file alike.

// AccessGranularity is the level of detail of an AccessReport.
type AccessGranularity string

// The granularities of IAM's service last accessed jobs.
const (
	GranularityService AccessGranularity = "SERVICE_LEVEL"
	GranularityAction  AccessGranularity = "ACTION_LEVEL"
)

// AccessReport is the service last accessed data of one principal.
type AccessReport struct {
	// ARN is the principal the report is about.
	ARN string
	// Granularity is the job's granularity.
	Granularity AccessGranularity
	// Generated is when IAM completed the job (JobCompletionDate); the data
	// lags real use by up to about four hours.
	Generated time.Time
	// Since is the start of the window the data covers: IAM tracks at most
	// 400 days, and less for a principal created within them.
	Since time.Time
	// Services are the services the principal's policies allow, used or
	// not (ServicesLastAccessed).
	Services []ServiceAccess
}

// ServiceAccess is one service of an AccessReport.
type ServiceAccess struct {
	// Namespace is the service prefix of its actions ("s3", "ec2").
	Namespace string
	// Name is the service's display name ("Amazon S3").
	Name string
	// LastAccessed is when the principal last used the service in the
	// window; zero when it did not.
	LastAccessed time.Time
	// Region is where that last use was; "" when unknown.
	Region string
	// ActionLevel is true when IAM tracks this service at action level and
	// the report carries its tracked actions (TrackedActionsLastAccessed):
	// a tracked action absent from Actions is not tracked, not unused.
	ActionLevel bool
	// Actions are the tracked actions, used or not, by name without the
	// prefix ("GetBucketPolicy").
	Actions []ActionAccess
}

// ActionAccess is one tracked action of a ServiceAccess.
type ActionAccess struct {
	// Name is the action's name without the service prefix.
	Name string
	// LastAccessed is when the principal last used it in the window; zero
	// when it did not.
	LastAccessed time.Time
	// Region is where that last use was; "" when unknown.
	Region string
}
