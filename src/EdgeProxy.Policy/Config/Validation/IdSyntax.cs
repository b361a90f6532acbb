namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// Listener names, cluster ids and route ids appear in metric labels, log lines and admin URLs; limiting
/// them to <c>[A-Za-z0-9._-]+</c> keeps them safe in all three without escaping.
/// </summary>
internal static class IdSyntax
{
    public const string Rule = "letters, digits, '.', '_' and '-'";

    public static bool IsValid(string id)
    {
        if (id.Length == 0)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
