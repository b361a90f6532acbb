using System.Globalization;
using System.Text;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>Writes the manager's consumers as TOML in the policy table's <c>[[consumers]]</c> schema.</summary>
public static class ConsumerTomlRenderer
{
    public static string Render(IReadOnlyList<ManagedConsumer> consumers, DateTimeOffset writtenAt)
    {
        var text = new StringBuilder();
        text.Append("# Written by edgeproxy-manager at ").Append(TimestampParser.Format(Second(writtenAt)))
            .Append(". Do not edit: the manager rewrites this file on every change of an app, subscription or key.\n");
        if (consumers.Count == 0)
        {
            text.Append("# No active subscriptions.\n");
        }

        foreach (var consumer in consumers)
        {
            var subscription = consumer.Subscription;
            text.Append("\n[[consumers]]\n");
            text.Append("id = ").Append(Quote(subscription.ConsumerId)).Append('\n');
            text.Append("name = ").Append(Quote(consumer.AppName)).Append('\n');
            text.Append("plan = ").Append(Quote(subscription.PlanId)).Append('\n');
            text.Append("tags = [").Append(Quote("app:" + subscription.AppId.ToString(CultureInfo.InvariantCulture))).Append("]\n");
            text.Append("apis = [").Append(Quote(subscription.ApiId)).Append("]\n");

            text.Append("keys = [\n");
            foreach (var key in consumer.Keys)
            {
                text.Append("  { id = ").Append(Quote(key.KeyId))
                    .Append(", key_sha256 = ").Append(Quote(key.KeySha256))
                    .Append(", created_at = ").Append(TimestampParser.Format(Second(key.CreatedAt)));
                if (key.ExpiresAt is { } expires)
                {
                    text.Append(", expires_at = ").Append(TimestampParser.Format(Second(expires)));
                }

                text.Append(", revoked = ").Append(key.Revoked ? "true" : "false").Append(" },\n");
            }

            text.Append("]\n");
        }

        return text.ToString();
    }

    /// <summary>A TOML basic string: quotes, backslashes and control characters escaped.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }

    // TOML timestamps to the second: the gateway compares expiry at second precision anyway.
    private static DateTimeOffset Second(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
