//! Task-level `cpu` and `memory` as ECS stores them: RegisterTaskDefinition takes "1 vCPU", "0.5 vcpu",
//! "2 GB", "512 MiB" or a plain number; DescribeTaskDefinition answers with the integer string ("1024").

use serde_json::Value;

/// Units accepted in task `cpu` (per vCPU) and `memory` (per GB/GiB), and what one unit is in ECS's numbers.
const CPU_UNITS: &[(&str, f64)] = &[("vcpu", 1024.0)];
const MEMORY_UNITS: &[(&str, f64)] = &[("gib", 1024.0), ("gb", 1024.0), ("mib", 1.0), ("mb", 1.0)];

/// The canonical string for a task `cpu` value (`"1 vCPU"` → `"1024"`, `256` → `"256"`).
pub(super) fn canonical_cpu(v: &Value) -> Value {
    canonical(v, CPU_UNITS)
}

/// The canonical string for a task `memory` value (`"2 GB"` → `"2048"`, `"512 MiB"` → `"512"`).
pub(super) fn canonical_memory(v: &Value) -> Value {
    canonical(v, MEMORY_UNITS)
}

fn integer_text(n: f64) -> String {
    format!("{}", n.round() as i64)
}

fn canonical(v: &Value, units: &[(&str, f64)]) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 => Value::String(integer_text(f)),
            _ => v.clone(),
        },
        Value::String(s) => {
            let t = s.trim();
            let lower = t.to_ascii_lowercase();
            for (unit, per_unit) in units {
                if let Some(n) = lower
                    .strip_suffix(unit)
                    .and_then(|n| n.trim().parse::<f64>().ok())
                {
                    return Value::String(integer_text(n * per_unit));
                }
            }
            match t.parse::<f64>() {
                Ok(f) if f.fract() == 0.0 => Value::String(integer_text(f)),
                _ => Value::String(t.to_string()),
            }
        }
        other => other.clone(),
    }
}
