namespace EdgeProxy.Policy.Toml;

/// <summary>How a table came to exist, which decides whether TOML lets a later header or key extend it.</summary>
public enum TomlTableOrigin
{
    /// <summary>Created by a <c>[header]</c> or <c>[[header]]</c>.</summary>
    Header,

    /// <summary>A <c>{ ... }</c> value.</summary>
    Inline,

    /// <summary>Implied by a dotted key or a longer header, e.g. <c>a</c> in <c>[a.b]</c>.</summary>
    Implicit,
}
