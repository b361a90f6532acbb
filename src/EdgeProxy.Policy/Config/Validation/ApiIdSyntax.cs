namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// API ids appear in catalogue URLs (<c>/apis/orders/v2</c>) and in 410 bodies; one spelling per API
/// (<c>[a-z0-9-]</c>, no upper case) keeps two entries that differ only in case from ever existing.
/// </summary>
internal static class ApiIdSyntax
{
    public const string Rule = "lower-case letters, digits and '-'";

    public static bool IsValid(string id)
    {
        if (id.Length == 0)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}
