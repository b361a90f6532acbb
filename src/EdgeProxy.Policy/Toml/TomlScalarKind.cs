namespace EdgeProxy.Policy.Toml;

/// <summary>The kind of a <see cref="TomlScalar"/>.</summary>
public enum TomlScalarKind
{
    /// <summary>A basic or literal string.</summary>
    String,

    /// <summary>An integer (<see cref="TomlScalar.Integer"/>).</summary>
    Integer,

    /// <summary>A float; <see cref="TomlScalar.Text"/> holds its source text.</summary>
    Float,

    /// <summary>A boolean (<see cref="TomlScalar.Boolean"/>).</summary>
    Boolean,

    /// <summary>An offset or local date-time, date or time; <see cref="TomlScalar.Text"/> holds its source text.</summary>
    DateTime,
}
