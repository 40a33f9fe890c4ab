//! The TensorBoard messages nntui decodes, as prost messages: `proto/tensorboard.proto`
//! (vendored from TensorBoard, Apache 2.0) written out by hand, field for field.

#![allow(missing_docs, reason = "the .proto file beside this one documents the messages")]

/// One record of an event file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    #[prost(int64, tag = "2")]
    pub step: i64,
    #[prost(oneof = "event::What", tags = "3, 4, 5, 6, 7, 8, 9")]
    pub what: Option<event::What>,
}

pub mod event {
    /// What an event carries.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum What {
        #[prost(string, tag = "3")]
        FileVersion(String),
        #[prost(bytes, tag = "4")]
        GraphDef(Vec<u8>),
        #[prost(message, tag = "5")]
        Summary(super::Summary),
        #[prost(bytes, tag = "6")]
        LogMessage(Vec<u8>),
        #[prost(bytes, tag = "7")]
        SessionLog(Vec<u8>),
        #[prost(bytes, tag = "8")]
        TaggedRunMetadata(Vec<u8>),
        #[prost(bytes, tag = "9")]
        MetaGraphDef(Vec<u8>),
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryMetadata {
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
    #[prost(string, tag = "2")]
    pub display_name: String,
    #[prost(string, tag = "3")]
    pub summary_description: String,
    #[prost(int32, tag = "4")]
    pub data_class: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginData {
    #[prost(string, tag = "1")]
    pub plugin_name: String,
    #[prost(bytes, tag = "2")]
    pub content: Vec<u8>,
}

/// `DataClass.DATA_CLASS_SCALAR`.
pub const DATA_CLASS_SCALAR: i32 = 1;

#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<Value>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(string, tag = "7")]
    pub node_name: String,
    #[prost(string, tag = "1")]
    pub tag: String,
    #[prost(message, optional, tag = "9")]
    pub metadata: Option<SummaryMetadata>,
    #[prost(oneof = "value::Kind", tags = "2, 3, 4, 5, 6, 8")]
    pub value: Option<value::Kind>,
}

pub mod value {
    /// A summary value's payload.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(float, tag = "2")]
        SimpleValue(f32),
        #[prost(bytes, tag = "3")]
        ObsoleteOldStyleHistogram(Vec<u8>),
        #[prost(bytes, tag = "4")]
        Image(Vec<u8>),
        #[prost(message, tag = "5")]
        Histo(super::HistogramProto),
        #[prost(bytes, tag = "6")]
        Audio(Vec<u8>),
        #[prost(message, tag = "8")]
        Tensor(super::TensorProto),
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramProto {
    #[prost(double, tag = "1")]
    pub min: f64,
    #[prost(double, tag = "2")]
    pub max: f64,
    #[prost(double, tag = "3")]
    pub num: f64,
    #[prost(double, tag = "4")]
    pub sum: f64,
    #[prost(double, tag = "5")]
    pub sum_squares: f64,
    #[prost(double, repeated, tag = "6")]
    pub bucket_limit: Vec<f64>,
    #[prost(double, repeated, tag = "7")]
    pub bucket: Vec<f64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShapeProto>,
    #[prost(int32, tag = "3")]
    pub version_number: i32,
    #[prost(bytes, tag = "4")]
    pub tensor_content: Vec<u8>,
    #[prost(int32, repeated, tag = "13")]
    pub half_val: Vec<i32>,
    #[prost(float, repeated, tag = "5")]
    pub float_val: Vec<f32>,
    #[prost(double, repeated, tag = "6")]
    pub double_val: Vec<f64>,
    #[prost(int32, repeated, tag = "7")]
    pub int_val: Vec<i32>,
    #[prost(bytes, repeated, tag = "8")]
    pub string_val: Vec<Vec<u8>>,
    #[prost(int64, repeated, tag = "10")]
    pub int64_val: Vec<i64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<Dim>,
    #[prost(bool, tag = "3")]
    pub unknown_rank: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Dim {
    #[prost(int64, tag = "1")]
    pub size: i64,
    #[prost(string, tag = "2")]
    pub name: String,
}

/// `DataType` values read.
pub const DT_FLOAT: i32 = 1;
/// `DT_DOUBLE`.
pub const DT_DOUBLE: i32 = 2;
/// `DT_INT32`.
pub const DT_INT32: i32 = 3;
/// `DT_INT64`.
pub const DT_INT64: i32 = 9;
/// `DT_HALF`.
pub const DT_HALF: i32 = 19;

/// The HParams plugin's data (`tensorboard/plugins/hparams/plugin_data.proto`, Apache
/// 2.0): a summary's `plugin_data.content` when its plugin is `hparams`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HParamsPluginData {
    #[prost(int32, tag = "1")]
    pub version: i32,
    #[prost(oneof = "hparams_plugin_data::Data", tags = "2, 3, 4")]
    pub data: Option<hparams_plugin_data::Data>,
}

pub mod hparams_plugin_data {
    /// What the plugin data holds: the experiment (left undecoded), a session's start
    /// with its hyperparameters, or its end.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Data {
        #[prost(bytes, tag = "2")]
        Experiment(Vec<u8>),
        #[prost(message, tag = "3")]
        SessionStartInfo(super::SessionStartInfo),
        #[prost(bytes, tag = "4")]
        SessionEndInfo(Vec<u8>),
    }
}

/// A session's start: its hyperparameters by name.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SessionStartInfo {
    #[prost(map = "string, message", tag = "1")]
    pub hparams: std::collections::HashMap<String, ProtoValue>,
    #[prost(string, tag = "4")]
    pub group_name: String,
    #[prost(double, tag = "5")]
    pub start_time_secs: f64,
}

/// `google.protobuf.Value` (`struct.proto`), the kinds a hyperparameter takes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoValue {
    #[prost(oneof = "proto_value::Kind", tags = "1, 2, 3, 4, 5, 6")]
    pub kind: Option<proto_value::Kind>,
}

pub mod proto_value {
    /// A value's kind; structs and lists are kept as bytes (not hyperparameters).
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(int32, tag = "1")]
        NullValue(i32),
        #[prost(double, tag = "2")]
        NumberValue(f64),
        #[prost(string, tag = "3")]
        StringValue(String),
        #[prost(bool, tag = "4")]
        BoolValue(bool),
        #[prost(bytes, tag = "5")]
        StructValue(Vec<u8>),
        #[prost(bytes, tag = "6")]
        ListValue(Vec<u8>),
    }
}
