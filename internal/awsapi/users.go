package awsapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/credreport"
)

// maxReportPoll caps the wait between GenerateCredentialReport calls.
const maxReportPoll = 30 * time.Second

// Principals reads the account's roles and users in one pass and passes
// each to its function: role for every role, as its page arrives; user for
// every IAM user joined with its credentials, and for the root user, once
// everything is read. Either function may be nil: its kind is then not read
// at all (without users, no credential report and no ListAccessKeys).
//
// Users come from three sources, read at once:
//
//   - the credential report (GetCredentialReport, and when there is no
//     fresh one GenerateCredentialReport until COMPLETE first): password
//     and access key use for every user, in one call. It is asked for
//     first, so that when IAM has to build it, it does so while the rest is
//     read;
//   - GetAccountAuthorizationDetails, one listing of roles and users
//     (Filter Role and User, MaxItems 1000): path, ID, tags, groups and
//     policies, one call per 1,000 principals;
//   - ListAccessKeys, once per user that holds an active key (and not at
//     all with Options.NoKeyIDs), because the report does not name keys.
//
// An error of the credential report or of ListAccessKeys is an
// *iamsweep.UsersError; an error of role or user is returned unchanged.
func (c *Client) Principals(ctx context.Context, role func(iamsweep.Role) error, user func(iamsweep.User) error) error {
	if user == nil {
		return c.listDetails(ctx, role, nil)
	}
	g, gctx := errgroup.WithContext(ctx)
	var (
		report   []iamsweep.User
		details  []iamsweep.User
		keys     = map[string][]credreport.ListedKey{}
		keysMu   sync.Mutex
		reportOK = make(chan struct{})
	)
	g.Go(func() error {
		var err error
		if report, err = c.credentialReport(gctx); err != nil {
			return &iamsweep.UsersError{Err: err}
		}
		close(reportOK)
		return nil
	})
	if !c.opts.NoKeyIDs {
		g.Go(func() error {
			select {
			case <-reportOK:
			case <-gctx.Done():
				return gctx.Err()
			}
			// The key lookups need only the report: they run while the
			// details are still being paged.
			lookups, lctx := errgroup.WithContext(gctx)
			lookups.SetLimit(c.opts.KeyConcurrency)
			for _, u := range report {
				if u.Root || !hasActiveKey(u) {
					continue
				}
				name := u.Name
				lookups.Go(func() error {
					listed, err := c.accessKeys(lctx, name)
					if err != nil || listed == nil {
						return err
					}
					keysMu.Lock()
					keys[name] = listed
					keysMu.Unlock()
					return nil
				})
			}
			if err := lookups.Wait(); err != nil {
				return &iamsweep.UsersError{Err: err}
			}
			return nil
		})
	}
	g.Go(func() error {
		return c.listDetails(gctx, role, func(u iamsweep.User) error {
			details = append(details, u)
			return nil
		})
	})
	if err := g.Wait(); err != nil {
		return err
	}
	for _, u := range credreport.Join(details, report) {
		if listed, ok := keys[u.Name]; ok {
			u.AccessKeys = credreport.MatchKeys(u.AccessKeys, listed)
		}
		if err := user(u); err != nil {
			return err
		}
	}
	return nil
}

func hasActiveKey(u iamsweep.User) bool {
	for _, k := range u.AccessKeys {
		if k.Active {
			return true
		}
	}
	return false
}

// credentialReport reads the account's credential report. IAM keeps one
// report, serves it for four hours, and builds a new one at most that
// often, so the report is asked for first (GetCredentialReport): when a
// fresh one exists, that is the only call. When there is none, or it has
// expired, GenerateCredentialReport is called, again with a doubling wait
// until it answers COMPLETE or Options.ReportTimeout passes, and the report
// read then.
func (c *Client) credentialReport(parent context.Context) ([]iamsweep.User, error) {
	ctx, cancel := context.WithTimeout(parent, c.opts.ReportTimeout)
	defer cancel()
	// timedOut says so when the wait for the report, not the caller, ended
	// the context, whether in a wait or in a call.
	timedOut := func(err error) error {
		if ctx.Err() != nil && parent.Err() == nil {
			return fmt.Errorf("read credential report: IAM had not finished it after %s: %w", c.opts.ReportTimeout, context.DeadlineExceeded)
		}
		return err
	}
	wait := c.opts.ReportPoll
	pause := func() error {
		d := wait
		wait = min(wait*2, maxReportPoll)
		if err := c.sleep(ctx, d); err != nil {
			return timedOut(err)
		}
		return nil
	}
	generate := false // the first attempt reads the report IAM holds
	for {
		if generate {
			out, err := c.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
			if err != nil {
				return nil, timedOut(fmt.Errorf("read credential report (GenerateCredentialReport): %w", classify(err)))
			}
			if out.State != iamtypes.ReportStateTypeComplete {
				c.log.Debug("credential report in progress", "state", string(out.State), "next_poll", wait)
				if err := pause(); err != nil {
					return nil, err
				}
				continue
			}
		}
		got, err := c.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if err != nil {
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) {
				switch apiErr.ErrorCode() {
				case "ReportNotPresent", "ReportExpired":
					// None, or older than four hours: have IAM build one.
					c.log.Debug("credential report missing", "code", apiErr.ErrorCode())
					if generate {
						if err := pause(); err != nil {
							return nil, err
						}
					}
					generate = true
					continue
				case "ReportInProgress":
					// Being built (by another caller, maybe): wait for it.
					c.log.Debug("credential report in progress", "code", apiErr.ErrorCode())
					if err := pause(); err != nil {
						return nil, err
					}
					generate = true
					continue
				}
			}
			return nil, timedOut(fmt.Errorf("read credential report (GetCredentialReport): %w", classify(err)))
		}
		users, err := credreport.Parse(bytes.NewReader(got.Content), "credential report")
		if err != nil {
			// Not the user's input: what IAM sent could not be read.
			return nil, fmt.Errorf("read credential report: decode the report IAM sent: %s", err)
		}
		c.log.Debug("credential report read", "users", len(users), "generated", aws.ToTime(got.GeneratedTime))
		return users, nil
	}
}

// accessKeys lists a user's access keys. A user deleted since the report
// was generated has none (nil, nil).
func (c *Client) accessKeys(ctx context.Context, user string) ([]credreport.ListedKey, error) {
	var out []credreport.ListedKey
	p := iam.NewListAccessKeysPaginator(c.iam, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			err = classify(err)
			if errors.Is(err, iamsweep.ErrNotFound) {
				return nil, nil
			}
			if errors.Is(err, iamsweep.ErrAccessDenied) {
				return nil, fmt.Errorf("read access key IDs (ListAccessKeys for user %s): %w (grant iam:ListAccessKeys, or scan with --no-key-ids)", user, err)
			}
			return nil, fmt.Errorf("read access key IDs (ListAccessKeys for user %s): %w", user, err)
		}
		for _, k := range page.AccessKeyMetadata {
			out = append(out, credreport.ListedKey{
				ID:      aws.ToString(k.AccessKeyId),
				Active:  k.Status == iamtypes.StatusTypeActive,
				Created: aws.ToTime(k.CreateDate).UTC(),
			})
		}
	}
	if out == nil {
		out = []credreport.ListedKey{}
	}
	return out, nil
}
