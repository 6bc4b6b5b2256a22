//! `make docs`: writes the registry docs generated from the schema descriptions.

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (path, content) in ecsbg::docs::pages(&root)? {
        std::fs::create_dir_all(root.join(&path).parent().unwrap_or(&root))?;
        std::fs::write(root.join(&path), content)?;
        println!("wrote {path}");
    }
    Ok(())
}
