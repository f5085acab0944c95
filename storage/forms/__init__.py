"""Forms as data: declarative descriptions (definitions/*.toml) driven by one engine."""
