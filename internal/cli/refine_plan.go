package cli

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/planfile"
	"github.com/iamsweep/iamsweep/internal/refine"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// writeRefinePlan turns the refinements into a plan of refine actions,
// writes it to --plan's file (atomically) and saves it in the state
// database, as iamsweep plan does; a line on stderr says how to apply it.
func writeRefinePlan(ctx context.Context, opts *RefineOptions, in refineInput, results []refine.Result, asOf time.Time) error {
	cfg := opts.Config
	now := opts.now().UTC()
	// The state database holds the plan too (apply without a file runs
	// the latest), unless --no-state.
	var st iamsweep.Store
	switch {
	case cfg.NoState:
	case opts.cache != nil:
		st = opts.cache
	default:
		s, _, err := openState(ctx, cfg, opts.deps)
		if err != nil {
			return err
		}
		defer s.Close()
		st = s
	}
	id := "p-" + now.Format("20060102T150405Z")
	if st != nil {
		var err error
		if id, err = freePlanID(ctx, st, now); err != nil {
			return err
		}
	}
	principals := map[string]remediate.RefinedPrincipal{}
	for _, p := range in.principals {
		principals[p.ARN] = remediate.RefinedPrincipal{ID: in.ids[p.ARN], Tags: p.Tags}
	}
	plan := remediate.MakeRefinePlan(remediate.RefinePlanInput{ID: id, Created: now, AsOf: asOf,
		WindowDays: cmp.Or(cfg.WindowDays, refine.DefaultWindowDays), Results: results, Principals: principals}, remediationPolicy(cfg))
	o, err := openOutput(nil, opts.PlanFile)
	if err != nil {
		return err
	}
	defer o.Abort()
	if err := planfile.Write(o, plan); err != nil {
		return fmt.Errorf("write %s: %w", opts.PlanFile, err)
	}
	if err := o.Commit(); err != nil {
		return err
	}
	where := opts.PlanFile
	if st != nil {
		if err := st.SavePlan(ctx, plan); err != nil {
			return err
		}
		where += " and the state database"
	}
	refused := 0
	for _, a := range plan.Actions {
		if a.Refused != "" {
			refused++
		}
	}
	fmt.Fprintf(opts.io.ErrOut, "iamsweep: plan %s: %d refine %s (%d refused) saved to %s; review and apply it with: iamsweep apply %s\n",
		plan.ID, len(plan.Actions), map[bool]string{true: "action", false: "actions"}[len(plan.Actions) == 1], refused, where, opts.PlanFile)
	return nil
}
