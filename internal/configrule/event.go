package configrule

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The message types of an invoking event.
const (
	// Scheduled is a periodic invocation: evaluate every role.
	Scheduled = "ScheduledNotification"
	// ItemChanged is a change of one resource's configuration item.
	ItemChanged = "ConfigurationItemChangeNotification"
	// OversizedItemChanged is a change whose configuration item was too
	// large to send: the event carries its summary.
	OversizedItemChanged = "OversizedConfigurationItemChangeNotification"
)

// invokingSource names the invoking event in errors.
const invokingSource = "invokingEvent"

// Invocation is an invoking event, decoded.
type Invocation struct {
	// MessageType is Scheduled, ItemChanged or OversizedItemChanged.
	MessageType string
	// Time is the time of the event, which orders the evaluations: the
	// notificationCreationTime of a periodic invocation, the
	// configurationItemCaptureTime of a change.
	Time time.Time
	// AccountID is the account the event is about, "" when the event
	// does not say.
	AccountID string
	// Item is the changed resource; nil for a periodic invocation.
	Item *Item
}

// Item is the part of a configuration item (or of its summary, for an
// oversized one) the rule reads.
type Item struct {
	ResourceType string
	// ResourceID is the resource's ID in AWS Config: a role's unique ID.
	ResourceID string
	// ResourceName is the role's name.
	ResourceName string
	ARN          string
	// Status is the configurationItemStatus: OK, ResourceDiscovered,
	// ResourceNotRecorded, ResourceDeleted or ResourceDeletedNotRecorded.
	Status string
}

// Deleted reports whether the item records the resource's deletion.
func (i Item) Deleted() bool {
	return i.Status == "ResourceDeleted" || i.Status == "ResourceDeletedNotRecorded"
}

// invokingEvent is the wire form of every message type: a periodic one
// has the notification fields, a change the configuration item, an
// oversized change its summary.
type invokingEvent struct {
	MessageType              string    `json:"messageType"`
	AWSAccountID             string    `json:"awsAccountId"`
	NotificationCreationTime string    `json:"notificationCreationTime"`
	ConfigurationItem        *itemJSON `json:"configurationItem"`
	ConfigurationItemSummary *itemJSON `json:"configurationItemSummary"`
}

type itemJSON struct {
	ConfigurationItemCaptureTime string  `json:"configurationItemCaptureTime"`
	ConfigurationItemStatus      string  `json:"configurationItemStatus"`
	AWSAccountID                 string  `json:"awsAccountId"`
	ResourceType                 string  `json:"resourceType"`
	ResourceID                   string  `json:"resourceId"`
	ResourceName                 *string `json:"resourceName"`
	ARN                          string  `json:"ARN"`
}

// ParseInvocation decodes an invoking event, the JSON document AWS Config
// sends as a string in the event's invokingEvent. Every problem is an
// *iamsweep.InputError naming "invokingEvent" and the field.
func ParseInvocation(s string) (Invocation, error) {
	var ev invokingEvent
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		return Invocation{}, iamsweep.NewInputError(invokingSource, "", fmt.Errorf("want a JSON object, got %s: %v", iamsweep.Quote(s), err))
	}
	inv := Invocation{MessageType: ev.MessageType, AccountID: ev.AWSAccountID}
	bad := func(field string, err error) (Invocation, error) {
		return Invocation{}, iamsweep.NewInputError(invokingSource, field, err)
	}
	switch ev.MessageType {
	case Scheduled:
		t, err := parseTime(ev.NotificationCreationTime)
		if err != nil {
			return bad("notificationCreationTime", err)
		}
		inv.Time = t
		return inv, nil
	case ItemChanged, OversizedItemChanged:
		field, item := "configurationItem", ev.ConfigurationItem
		if ev.MessageType == OversizedItemChanged {
			field, item = "configurationItemSummary", ev.ConfigurationItemSummary
		}
		if item == nil {
			return bad(field, fmt.Errorf("missing from a %s", ev.MessageType))
		}
		t, err := parseTime(item.ConfigurationItemCaptureTime)
		if err != nil {
			return bad(field+".configurationItemCaptureTime", err)
		}
		if item.ResourceType == "" || item.ResourceID == "" {
			return bad(field, errors.New("names no resource: want resourceType and resourceId"))
		}
		inv.Time = t
		if item.AWSAccountID != "" {
			inv.AccountID = item.AWSAccountID
		}
		inv.Item = &Item{
			ResourceType: item.ResourceType,
			ResourceID:   item.ResourceID,
			ARN:          item.ARN,
			Status:       item.ConfigurationItemStatus,
		}
		if item.ResourceName != nil {
			inv.Item.ResourceName = *item.ResourceName
		}
		return inv, nil
	case "":
		return bad("messageType", errors.New("missing"))
	default:
		return bad("messageType", fmt.Errorf("%s is not a message type the rule handles; want %s, %s or %s",
			iamsweep.Quote(ev.MessageType), Scheduled, ItemChanged, OversizedItemChanged))
	}
}

// parseTime parses an event time: RFC 3339 with milliseconds, as AWS
// Config writes them ("2016-07-13T21:50:00.373Z").
func parseTime(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, errors.New("missing")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2016-07-13T21:50:00.373Z, got %s", iamsweep.Quote(s))
	}
	return t.UTC(), nil
}

// RoleName returns the name of the role an item is about: its
// resourceName, else the last part of its ARN ("arn:aws:iam::1:role/a/b"
// gives "b"), else "".
func (i Item) RoleName() string {
	if i.ResourceName != "" {
		return i.ResourceName
	}
	if _, rest, ok := strings.Cut(i.ARN, ":role/"); ok {
		return rest[strings.LastIndex(rest, "/")+1:]
	}
	return ""
}
