namespace EdgeProxy.Policy.Config.Validation;

/// <summary>One section's rules. Validators report every problem they find and never stop at the first.</summary>
internal interface IConfigValidator
{
    void Validate(ValidationContext context);
}
