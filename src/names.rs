//! The closed sets of names the command line takes (activations, initializers, losses,
//! optimizers, tasks, datasets): one way to show them and one way to parse them, with
//! the same error for an unknown name everywhere.

/// Finds `text` (trimmed, any case) among `all` by `name`, or among `aliases`; an
/// unknown name gives `unknown KIND 'text' (expected one of: ...)`.
pub fn parse<T: Copy>(
    text: &str,
    kind: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    aliases: &[(&str, T)],
) -> Result<T, String> {
    let wanted = text.trim().to_ascii_lowercase();
    all.iter()
        .copied()
        .find(|&value| name(value) == wanted)
        .or_else(|| aliases.iter().find(|(alias, _)| *alias == wanted).map(|&(_, value)| value))
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&value| name(value)).collect();
            format!("unknown {kind} '{}' (expected one of: {})", text.trim(), names.join(", "))
        })
}

/// `Display` (the name) and `FromStr` ([`parse`]) for a type with an `ALL` array and a
/// `name()` method; `"alias" => value` pairs add other accepted spellings.
macro_rules! named {
    ($type:ty, $kind:literal $(, $alias:literal => $value:expr)* $(,)?) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $type {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::names::parse(text, $kind, &<$type>::ALL, <$type>::name, &[$(($alias, $value)),*])
            }
        }
    };
}
pub(crate) use named;

#[cfg(test)]
mod tests {
    use crate::data::Task;
    use crate::data::generate::Generator;
    use crate::nn::{Activation, Initializer, Loss, OptimizerKind};

    #[test]
    fn every_set_parses_its_names_in_any_case_and_names_the_unknown() {
        assert_eq!(" ReLU ".parse(), Ok(Activation::Relu));
        assert_eq!("HE_UNIFORM".parse(), Ok(Initializer::HeUniform));
        assert_eq!("Adam".parse(), Ok(OptimizerKind::Adam));
        assert_eq!("Regression".parse(), Ok(Task::Regression));
        assert_eq!("Moons".parse(), Ok(Generator::Moons));
        assert_eq!("mean_squared_error".parse(), Ok(Loss::MeanSquaredError));
        assert_eq!(
            "swishy".parse::<Activation>().unwrap_err(),
            "unknown activation 'swishy' (expected one of: relu, sigmoid, tanh, linear, softmax, leaky_relu, elu, selu, softplus, softsign, hard_sigmoid, gelu, silu, mish)"
        );
        assert_eq!(
            "iris".parse::<Generator>().unwrap_err(),
            "unknown dataset 'iris' (expected one of: moons, spiral, sine, blobs, mixed, strokes)"
        );
        for activation in Activation::ALL {
            assert_eq!(activation.to_string().parse(), Ok(activation));
        }
    }
}
