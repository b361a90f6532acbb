namespace EdgeProxy.Manager.Feedback;

/// <summary>A developer's "report a problem" on an API, addressed to the API's owner team.</summary>
public sealed class ProblemReport
{
    public long Id { get; set; }

    public string ApiId { get; set; } = "";

    /// <summary>The API's <c>owner</c> when the report was made.</summary>
    public string Owner { get; set; } = "";

    public long ReporterId { get; set; }

    public string Reporter { get; set; } = "";

    public string Subject { get; set; } = "";

    public string Body { get; set; } = "";

    /// <summary>open or closed.</summary>
    public string State { get; set; } = "open";

    public DateTimeOffset CreatedAt { get; set; }
}
