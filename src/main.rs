#[global_allocator]
static ALLOCATOR: cjmh::alloc::HugePages = cjmh::alloc::HugePages;

fn main() {
    std::process::exit(cjmh::cli::main());
}
