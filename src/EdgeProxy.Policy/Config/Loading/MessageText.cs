using System.Text;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// Error messages quote values from the file, and a value may hold a line break or an escape sequence; an
/// error must stay one line in a log and must not drive the operator's terminal.
/// </summary>
internal static class MessageText
{
    public static string EscapeControls(string message)
    {
        if (!message.AsSpan().ContainsAnyInRange('\0', '\u001F') && !message.AsSpan().ContainsAnyInRange('\u007F', '\u009F'))
        {
            return message;
        }

        var builder = new StringBuilder(message.Length + 8);
        foreach (var c in message)
        {
            if (!char.IsControl(c))
            {
                builder.Append(c);
                continue;
            }

            var escaped = c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ => $"\\u{(int)c:X4}",
            };
            builder.Append(escaped);
        }

        return builder.ToString();
    }
}
