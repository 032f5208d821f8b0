//! The event catalog of DESIGN.md §2: the wire names platforms post and the
//! words the UI shows for them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which part of the platform an event comes from; the UI groups events by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventGroup {
    Execution,
    Task,
    Pipeline,
    Deployment,
    DataAndModels,
    Herald,
}

impl EventGroup {
    pub const ALL: [EventGroup; 6] = [
        EventGroup::Execution,
        EventGroup::Task,
        EventGroup::Pipeline,
        EventGroup::Deployment,
        EventGroup::DataAndModels,
        EventGroup::Herald,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EventGroup::Execution => "Executions",
            EventGroup::Task => "Tasks",
            EventGroup::Pipeline => "Pipelines",
            EventGroup::Deployment => "Deployments",
            EventGroup::DataAndModels => "Datasets and models",
            EventGroup::Herald => "Herald",
        }
    }

    pub fn event_types(self) -> impl Iterator<Item = EventType> {
        EventType::ALL
            .iter()
            .copied()
            .filter(move |t| t.group() == self)
    }
}

macro_rules! event_types {
    ($( $variant:ident => $wire:literal, $group:ident, $label:literal; )*) => {
        /// One kind of event a platform reports; the wire name is the contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType { $( $variant, )* }

        impl EventType {
            pub const ALL: &'static [EventType] = &[ $( EventType::$variant, )* ];

            /// The string used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $( EventType::$variant => $wire, )* }
            }

            /// The words the UI shows, as in Valohai's routing form.
            pub fn label(self) -> &'static str {
                match self { $( EventType::$variant => $label, )* }
            }

            pub fn group(self) -> EventGroup {
                match self { $( EventType::$variant => EventGroup::$group, )* }
            }

            pub fn parse(s: &str) -> Option<EventType> {
                match s { $( $wire => Some(EventType::$variant), )* _ => None }
            }
        }
    };
}

event_types! {
    ExecutionCreated => "execution_created", Execution, "Execution is created";
    ExecutionCompleted => "execution_completed", Execution, "Execution completes";
    ExecutionStopped => "execution_stopped", Execution, "Execution is stopped";
    ExecutionFailed => "execution_failed", Execution, "Execution fails";
    ExecutionWatchdogFailed => "execution_watchdog_failed", Execution, "Execution watchdog fails";
    TaskCompleted => "task_completed", Task, "Task completes";
    TaskFailed => "task_failed", Task, "Task fails";
    PipelineCompleted => "pipeline_completed", Pipeline, "Pipeline completes";
    PipelineFailed => "pipeline_failed", Pipeline, "Pipeline fails";
    DeploymentCompleted => "deployment_completed", Deployment, "Deployment completes";
    DeploymentFailed => "deployment_failed", Deployment, "Deployment fails";
    DatasetVersionCreated => "dataset_version_created", DataAndModels, "Dataset version is created";
    ModelVersionCreated => "model_version_created", DataAndModels, "Model version is created";
    ModelVersionStatusChanged => "model_version_status_changed", DataAndModels, "Model version status changes";
    ModelLatestApprovedVersionChanged => "model_latest_approved_version_changed", DataAndModels, "Latest approved model version changes";
    Ping => "ping", Herald, "Test message (ping)";
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type `{0}`")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::parse(s).ok_or_else(|| UnknownEventType(s.to_string()))
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EventType::parse(&s).ok_or_else(|| serde::de::Error::custom(UnknownEventType(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_has_every_design_type_once() {
        let wire: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        let expected = [
            "execution_created",
            "execution_completed",
            "execution_stopped",
            "execution_failed",
            "execution_watchdog_failed",
            "task_completed",
            "task_failed",
            "pipeline_completed",
            "pipeline_failed",
            "deployment_completed",
            "deployment_failed",
            "dataset_version_created",
            "model_version_created",
            "model_version_status_changed",
            "model_latest_approved_version_changed",
            "ping",
        ];
        assert_eq!(wire, expected);
        let unique: HashSet<_> = wire.iter().collect();
        assert_eq!(unique.len(), wire.len());
    }

    #[test]
    fn wire_names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            assert_eq!(t.as_str().parse::<EventType>(), Ok(*t));
        }
        assert_eq!(EventType::parse("Execution_Completed"), None);
        assert!("nope".parse::<EventType>().is_err());
    }

    #[test]
    fn labels_are_words_and_unique() {
        assert_eq!(EventType::ExecutionCompleted.label(), "Execution completes");
        let labels: HashSet<_> = EventType::ALL.iter().map(|t| t.label()).collect();
        assert_eq!(labels.len(), EventType::ALL.len());
        for t in EventType::ALL {
            assert!(!t.label().contains('_'), "{t} label has an underscore");
        }
    }

    #[test]
    fn groups_cover_the_catalog_in_order() {
        let grouped: Vec<EventType> = EventGroup::ALL
            .iter()
            .flat_map(|g| g.event_types())
            .collect();
        assert_eq!(grouped, EventType::ALL);
        assert_eq!(
            EventGroup::Herald.event_types().collect::<Vec<_>>(),
            [EventType::Ping]
        );
    }

    #[test]
    fn serde_uses_wire_names() {
        let json = serde_json::to_string(&EventType::TaskFailed).unwrap();
        assert_eq!(json, "\"task_failed\"");
        let back: EventType = serde_json::from_str("\"deployment_failed\"").unwrap();
        assert_eq!(back, EventType::DeploymentFailed);
        assert!(serde_json::from_str::<EventType>("\"bogus\"").is_err());
    }
}
