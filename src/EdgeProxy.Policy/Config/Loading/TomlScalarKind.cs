namespace EdgeProxy.Policy.Config.Loading;

internal enum TomlScalarKind
{
    String,
    Integer,
    Float,
    Boolean,
    DateTime,
}
