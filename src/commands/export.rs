//! `nntui export`: a saved model as one ONNX file.

use nntui::cli::{ExportArgs, ExportFormat};
use nntui::export::OnnxOptions;
use nntui::model_file::ModelFile;
use nntui::prepare::{self, Failure};

pub(crate) fn export(args: &ExportArgs) -> Result<u8, Failure> {
    prepare::check_output(&args.output, prepare::Output::File)
        .map_err(|why| Failure::usage(format!("{}: {why}", args.output.display())))?;
    let file = ModelFile::load(&args.model).map_err(|e| Failure::new(1, e.to_string()))?;
    match args.format {
        ExportFormat::Onnx => {
            let options = OnnxOptions { single_input: args.single_input };
            nntui::export::write_onnx(&file, &options, &args.output).map_err(|why| {
                let code = if why.starts_with("--single-input") { 2 } else { 1 };
                Failure::new(code, format!("{}: {why}", args.model.display()))
            })?;
        }
    }
    Ok(0)
}
