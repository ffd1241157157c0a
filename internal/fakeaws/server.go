package fakeaws

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Server is a fake AWS endpoint. Create it with New in tests (an
// httptest.Server closed at the end of the test) or NewServer for a handler
// to serve yourself (cmd/fakeaws).
type Server struct {
	// URL is the base URL of the running httptest server ("" for NewServer).
	URL    string
	srv    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	accounts map[string]*Account
	// defaultAccount receives requests signed with keys the fake has not
	// issued or been told about.
	defaultAccount string
	keys           map[string]string // access key ID -> account ID
	// sessions are the temporary credentials AssumeRole issued, by
	// access key ID.
	sessions map[string]*session
	org      *orgIndex // nil when no organization is configured
	calls    []Call
	limiters map[string]*rate.Limiter // account ID -> request rate limiter
	rng      *rand.Rand
	// credRNG makes issued credentials, apart from rng so that issuing
	// them leaves the throttling sequence as it was.
	credRNG *rand.Rand

	latency       time.Duration
	fullPage      time.Duration // added latency of a full GAAD page
	throttleRate  float64
	rateLimit     rate.Limit
	rateBurst     int
	maxPageItems  int
	reportDelay   int
	reportAtStart bool
	// sessionLifetime caps the lifetime of issued credentials; 0 for
	// none.
	sessionLifetime time.Duration
	now             func() time.Time
	faults          []*fault

	// idSeq numbers the entities the mutating actions create, so that
	// their IDs are new and yet the same on every run.
	idSeq int
	// quotas are the IAM quotas GetAccountSummary reports and the
	// mutating actions enforce.
	quotas map[string]int
	// slrPolls is how many GetServiceLinkedRoleDeletionStatus calls answer
	// IN_PROGRESS before a deletion task ends.
	slrPolls int
	// slrInUse are the service-linked roles whose deletion fails.
	slrInUse []slrInUse
	// tasks are the service-linked role deletion tasks, by ID.
	tasks map[string]*slrTask
	// hold is set by HoldResponsesAfter.
	hold *holdState
	// drop is set by DropResponse.
	drop *holdState

	// hubs are the Security Hub states, by account and Region
	// (hubKey); an account and Region without one has Security Hub
	// disabled.
	hubs map[string]*hub
	// hubRate and hubBurst bound BatchImportFindings calls per account
	// and Region (WithSecurityHubRateLimit); 0 for no bound.
	hubRate  rate.Limit
	hubBurst int
	// hubFailures are the findings WithFailedFinding fails, by Id.
	hubFailures map[string]*hubFailure
	// configRules are the AWS Config rules, by account and name
	// (configservice.go); tokens the result tokens issued, tokenSeq
	// numbers them, and failEvaluations counts the evaluations
	// PutEvaluations is to fail (FailEvaluations).
	configRules     map[string]map[string]*configRule
	tokens          map[string]resultToken
	tokenSeq        int
	failEvaluations int

	// ses are the SES states, by account and Region (hubKey), and
	// sentEmails what SendEmail accepted (ses.go).
	ses        map[string]*sesState
	sentEmails []SentEmail
	// onEmail, when set, is told of each message SendEmail accepts
	// (WithOutbox).
	onEmail func(SentEmail)
	// topics are the SNS topics, by ARN, and published what Publish
	// accepted (sns.go).
	topics    map[string]bool
	published []PublishedMessage
	// msgSeq numbers the messages SES and SNS accept, apart from idSeq so
	// that sending leaves the IDs of IAM entities as they were.
	msgSeq int

	// Service last accessed jobs (lastaccessed.go): the jobs by ID, how
	// many polls a job answers IN_PROGRESS to, the seeded use by principal
	// ARN, the failures to inject by principal ARN, and jobSeq, which
	// numbers the jobs apart from idSeq.
	accessJobs     map[string]*accessJob
	accessPolls    int
	access         map[string][]AccessUse
	accessFailures map[string]*accessFailure
	jobSeq         int
}

// holdState counts the successful calls of some actions; once there are
// after of them, responses are held.
type holdState struct {
	actions map[string]bool
	after   int
	seen    int
	// holding is closed when the hold begins.
	holding chan struct{}
}

// Call records one request the fake answered.
type Call struct {
	Service   string // "iam", "sts", ...
	Action    string // "GetAccountAuthorizationDetails"
	AccountID string
	// ErrorCode is the AWS error code returned, "" on success.
	ErrorCode string
}

// Option configures a Server.
type Option func(*Server) error

// WithAccounts seeds accounts. The first one seeded is the default: it
// answers requests signed with any access key the fake does not know.
func WithAccounts(accounts ...*Account) Option {
	return func(s *Server) error {
		for _, a := range accounts {
			if err := a.normalize(); err != nil {
				return err
			}
			if _, dup := s.accounts[a.ID]; dup {
				return fmt.Errorf("fakeaws: account %s seeded twice", a.ID)
			}
			s.accounts[a.ID] = a
			if s.defaultAccount == "" {
				s.defaultAccount = a.ID
			}
		}
		return nil
	}
}

// WithCredentials makes requests signed with accessKeyID act in accountID.
func WithCredentials(accessKeyID, accountID string) Option {
	return func(s *Server) error {
		s.keys[accessKeyID] = accountID
		return nil
	}
}

// WithLatency delays every response by d, as a network round trip and the
// service's own work would.
func WithLatency(d time.Duration) Option {
	return func(s *Server) error { s.latency = d; return nil }
}

// WithPageLatency delays GetAccountAuthorizationDetails responses by d
// more for a full page of 1,000 entities, and in proportion for fewer, as
// IAM takes longer to build and send a large page (hundreds of
// milliseconds for a full one). It adds to WithLatency.
func WithPageLatency(d time.Duration) Option {
	return func(s *Server) error { s.fullPage = d; return nil }
}

// WithThrottleRate answers the given fraction (0 to 1) of calls with a
// throttling error, chosen by a seeded generator so runs repeat exactly:
// Throttling for IAM, STS and SNS, TooManyRequestsException for
// Organizations and SES (HTTP 429), LimitExceededException for Security
// Hub.
func WithThrottleRate(fraction float64) Option {
	return func(s *Server) error {
		if fraction < 0 || fraction > 1 {
			return fmt.Errorf("fakeaws: throttle rate %v outside 0..1", fraction)
		}
		s.throttleRate = fraction
		return nil
	}
}

// WithRateLimit throttles each account's IAM calls above perSecond requests
// per second (a token bucket holding burst requests), as IAM's per-account
// token buckets do. The account is the one the credentials act in. STS and
// Organizations calls are not limited: their quotas are the caller's and
// far higher.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) error {
		s.rateLimit, s.rateBurst = rate.Limit(perSecond), burst
		return nil
	}
}

// WithMaxPageItems makes list calls return at most n items per page even
// when MaxItems (MaxResults for Organizations) asks for more, as IAM and
// Organizations may ("IAM might return fewer than MaxItems ... even when
// there are more").
func WithMaxPageItems(n int) Option {
	return func(s *Server) error { s.maxPageItems = n; return nil }
}

// WithClock sets the clock the fake uses for creation times, rate limits
// and the expiry of the credentials AssumeRole issues.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error { s.now = now; return nil }
}

// WithFault makes the next n calls of action (in any account, or only in
// accountID when it is not "") fail with the given HTTP status and AWS
// error code. n < 0 fails every call. The action is an action name
// ("AssumeRole"), which matches in any service, or "service:Action"
// ("sts:AssumeRole"), which matches in that service only. The error is
// written in the service's own protocol: an XML ErrorResponse for IAM and
// STS, a JSON document for Organizations.
func WithFault(accountID, action string, n int, status int, code, message string) Option {
	return func(s *Server) error {
		s.faults = append(s.faults, &fault{account: accountID, action: action, left: n, status: status, code: code, message: message})
		return nil
	}
}

// InjectFault adds a fault as WithFault does, to a running server (between
// the runs of a test, say); it applies to calls made after it returns.
func (s *Server) InjectFault(accountID, action string, n int, status int, code, message string) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{account: accountID, action: action, left: n, status: status, code: code, message: message})
	s.mu.Unlock()
}

type fault struct {
	account, action string
	left            int
	status          int
	code, message   string
}

// NewServer returns a fake whose Handler you serve yourself.
func NewServer(opts ...Option) (*Server, error) {
	s := &Server{
		accounts:    map[string]*Account{},
		keys:        map[string]string{},
		sessions:    map[string]*session{},
		limiters:    map[string]*rate.Limiter{},
		rng:         rand.New(rand.NewPCG(1, 2)),
		credRNG:     rand.New(rand.NewPCG(3, 4)),
		now:         time.Now,
		reportDelay: 1,
		quotas:      defaultQuotas(),
		slrPolls:    1,
		accessPolls: 1,
		tasks:       map[string]*slrTask{},
		hubs:        map[string]*hub{},
		ses:         map[string]*sesState{},
		topics:      map[string]bool{},
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if err := s.seedOrganization(); err != nil {
		return nil, err
	}
	if s.reportAtStart {
		for _, a := range s.accounts {
			a.report = &credentialReport{}
			s.completeReport(a, s.now())
		}
	}
	return s, nil
}

// ResetLimits refills every account's rate-limit bucket, so that a
// benchmark's runs each start as a fresh scan would.
func (s *Server) ResetLimits() {
	s.mu.Lock()
	s.limiters = map[string]*rate.Limiter{}
	s.mu.Unlock()
}

// New starts a fake on 127.0.0.1 for the duration of the test.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(s.Handler())
	s.URL = s.srv.URL
	c := *s.srv.Client()
	c.Transport = ownBody{next: c.Transport}
	s.client = &c
	t.Cleanup(s.srv.Close)
	return s
}

// Client returns an HTTP client for the test server.
//
// Its transport gives net/http a copy of each request body that no one else
// closes. The AWS SDK (smithy-go) closes a request's body as soon as the
// response headers arrive, and its closed body answers net/http's last read
// (the check for bytes beyond Content-Length) with io.EOF from WriteTo,
// which net/http takes as a failed write: it closes the connection while
// the response is still being read ("use of closed network connection").
// Against AWS the response takes a round trip and the race is practically
// never lost (and the SDK retries the connection error when it is);
// against a fake on the loopback interface it is lost often: on 431 of
// 1,500 calls with smithy-go v1.28.8 and Go 1.26 (pages of 50 roles).
// Clients built by internal/awsapi hand net/http bodies of their own as
// well; this transport covers the SDK clients tests build themselves.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.client
}

// ownBody is an http.RoundTripper that sends a copy of the request body.
type ownBody struct{ next http.RoundTripper }

func (o ownBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return o.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close() // a RoundTripper closes the body, also on errors
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return o.next.RoundTrip(r)
}

func (o ownBody) CloseIdleConnections() {
	if c, ok := o.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Calls returns the calls answered so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount returns how many calls of action were answered (throttled and
// failed ones included).
func (s *Server) CallCount(action string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Action == action {
			n++
		}
	}
	return n
}

// Actions returns the distinct "service:Action" names called so far, sorted.
func (s *Server) Actions() []string {
	set := map[string]bool{}
	for _, c := range s.Calls() {
		set[c.Service+":"+c.Action] = true
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

// Account returns the state of an account, for assertions. Do not modify it
// while requests are in flight.
func (s *Server) Account(id string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[id]
}

// request is one decoded API request.
type request struct {
	service   string
	action    string
	accountID string
	// region is the Region of the SigV4 credential scope.
	region    string
	accessKey string
	// proto is the wire protocol the request came in; it decides how the
	// errors every call can get are written.
	proto protocol
	form  url.Values // query protocol: the decoded form
	body  []byte     // JSON protocol: the request document
	http  *http.Request
	// arrived is when the request arrived; its response is sent no sooner
	// than arrived plus the configured latency and latency.
	arrived time.Time
	// latency is the response's own latency beyond the configured one
	// (a page of GetAccountAuthorizationDetails: WithPageLatency).
	latency time.Duration
}

// apiError is an AWS error response.
type apiError struct {
	status  int
	code    string
	message string
	sender  bool
	// reason is the Reason member some JSON errors carry
	// (InvalidInputException's "INVALID_NEXT_TOKEN"); "" for none.
	reason string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...), sender: status < 500}
}

var credentialScope = regexp.MustCompile(`Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// Handler returns the HTTP handler that answers every service.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	req := &request{http: r, arrived: time.Now()}
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		writeQueryError(w, "", &apiError{status: 403, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token", sender: true})
		return
	}
	req.accessKey, req.region, req.service = m[1], m[2], m[3]
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeQueryError(w, req.service, errorf(400, "MalformedQueryString", "read body: %v", err))
		return
	}

	switch req.service {
	case "iam":
		if parseForm(w, req, body, iamNamespace) {
			s.serveQuery(w, req, iamActions, iamNamespace, "2010-05-08")
		}
	case "sts":
		if parseForm(w, req, body, stsNamespace) {
			s.serveQuery(w, req, stsActions, stsNamespace, "2011-06-15")
		}
	case "organizations":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, orgActions, orgTargetPrefix)
	case "securityhub":
		req.proto, req.body = restJSONProtocol, body
		s.serveSecurityHub(w, req)
	case "config":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, configActions, configTargetPrefix)
	case "ses": // SES API v2 signs for "ses"
		req.proto, req.body = restJSONProtocol, body
		s.serveSES(w, req)
	case "sns":
		if parseForm(w, req, body, snsNamespace) {
			s.serveQuery(w, req, snsActions, snsNamespace, "2010-03-31")
		}
	case "lambda":
		req.proto, req.body = restJSONProtocol, body
		s.serveLambda(w, req)
	case "kms":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, kmsActions, kmsTargetPrefix)
	case "ec2":
		if parseForm(w, req, body, ec2Namespace) {
			s.serveEC2(w, req)
		}
	case "s3":
		req.proto, req.body = restXMLProtocol, body
		s.serveS3(w, req)
	case "sqs": // JSON 1.0 in the SDK's versions since 2023
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, sqsActions, sqsTargetPrefix)
	case "secretsmanager":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, secretsActions, secretsTargetPrefix)
	case "ecs":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, ecsActions, ecsTargetPrefix)
	case "ecr":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, ecrActions, ecrTargetPrefix)
	case "cloudformation":
		if parseForm(w, req, body, cloudFormationNamespace) {
			s.serveQuery(w, req, cloudFormationActions, cloudFormationNamespace, "2010-05-15")
		}
	case "codebuild":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, codebuildActions, codebuildTargetPrefix)
	case "states": // Step Functions, JSON 1.0
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, sfnActions, sfnTargetPrefix)
	case "events":
		req.proto, req.body = jsonProtocol, body
		s.serveJSON(w, req, eventsActions, eventsTargetPrefix)
	default:
		writeQueryError(w, req.service, errorf(400, "UnknownService", "fakeaws does not implement the %q service", req.service))
	}
}

// parseForm decodes the form of a query-protocol request, answering a
// malformed one with an error in the service's namespace.
func parseForm(w http.ResponseWriter, req *request, body []byte, namespace string) bool {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeQueryError(w, namespace, errorf(400, "MalformedQueryString", "%v", err))
		return false
	}
	req.proto, req.form, req.action = queryProtocol, form, form.Get("Action")
	return true
}

// wait holds the response to req until the configured latency has passed
// since it arrived (and, for a page of a listing, the page's own latency).
// The fake's own work happens within that time, as the real service's
// does within its response time.
func (s *Server) wait(req *request) {
	if s.held() {
		<-req.http.Context().Done()
		return
	}
	s.mu.Lock()
	latency := s.latency + req.latency
	s.mu.Unlock()
	if d := time.Until(req.arrived.Add(latency)); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.http.Context().Done():
		}
	}
}

// before runs what every call goes through: account resolution, the
// checks of temporary credentials, injected faults and throttling.
func (s *Server) before(req *request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, ok := s.keys[req.accessKey]
	if !ok {
		acct = s.defaultAccount
	}
	req.accountID = acct
	if acct == "" || s.accounts[acct] == nil {
		return req.proto.invalidToken()
	}
	if e := s.checkSession(req); e != nil {
		return e
	}
	if e := s.consumeFault(req); e != nil {
		return e
	}
	if s.throttleRate > 0 && s.rng.Float64() < s.throttleRate {
		return req.throttling()
	}
	if s.rateLimit > 0 && req.service == "iam" && !s.allow(acct) {
		return req.throttling()
	}
	return nil
}

// consumeFault returns the injected fault that matches req, if any, using
// up one of its occurrences.
func (s *Server) consumeFault(req *request) *apiError {
	for _, f := range s.faults {
		if f.left == 0 || (f.action != req.action && f.action != req.service+":"+req.action) || (f.account != "" && f.account != req.accountID) {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		return &apiError{status: f.status, code: f.code, message: f.message, sender: f.status < 500}
	}
	return nil
}

func (s *Server) record(req *request, e *apiError) {
	c := Call{Service: req.service, Action: req.action, AccountID: req.accountID}
	if e != nil {
		c.ErrorCode = e.code
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	if h := s.hold; h != nil && e == nil && h.actions[c.Action] {
		if h.seen++; h.seen == h.after {
			close(h.holding)
		}
	}
	dropped := false
	if d := s.drop; d != nil && e == nil && d.actions[c.Action] {
		if d.seen++; d.seen == d.after {
			dropped = true
			close(d.holding)
		}
	}
	s.mu.Unlock()
	if dropped {
		// Carried out, never answered: net/http closes the connection.
		panic(http.ErrAbortHandler)
	}
}

// DropResponse makes the fake carry out the n-th successful call of the
// given actions and close its connection without an answer, as a
// connection dropped on the way back does; the SDK then retries the call,
// and the retry gets the answer IAM gives to a call made twice. Only that
// one call is dropped. It returns a channel closed when it is.
func (s *Server) DropResponse(n int, actions ...string) <-chan struct{} {
	d := &holdState{actions: map[string]bool{}, after: n, holding: make(chan struct{})}
	for _, a := range actions {
		d.actions[a] = true
	}
	s.mu.Lock()
	s.drop = d
	s.mu.Unlock()
	return d.holding
}

// HoldResponsesAfter makes the fake stop answering once n calls of the
// given actions have succeeded: that call and every call after it are
// carried out, but their responses are held until the client goes away,
// as happens to a client killed while it waits. It returns a channel
// closed when the hold begins. StopHolding ends it.
func (s *Server) HoldResponsesAfter(n int, actions ...string) <-chan struct{} {
	h := &holdState{actions: map[string]bool{}, after: n, holding: make(chan struct{})}
	for _, a := range actions {
		h.actions[a] = true
	}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	return h.holding
}

// StopHolding answers calls again; responses already held stay held
// until their clients go away.
func (s *Server) StopHolding() {
	s.mu.Lock()
	s.hold = nil
	s.mu.Unlock()
}

// held reports whether responses are being held.
func (s *Server) held() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		return false
	}
	select {
	case <-s.hold.holding:
		return true
	default:
		return false
	}
}

// allow takes a token from the account's bucket, at the fake's clock.
func (s *Server) allow(account string) bool {
	l := s.limiters[account]
	if l == nil {
		l = rate.NewLimiter(s.rateLimit, s.rateBurst)
		s.limiters[account] = l
	}
	return l.AllowN(s.now(), 1)
}

// requestID returns a fresh request ID in AWS's UUID form.
func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, b := s.rng.Uint64(), s.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
