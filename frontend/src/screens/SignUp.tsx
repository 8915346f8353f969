import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { fieldError, FormError, PageTitle, TextField } from "../components/ui";
import { config } from "../config";
import { humanMessage } from "../errors";

type Availability = { state: "idle" | "checking" | "available" | "unavailable" | "error"; message?: string };

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
}

export function SignUp() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [form, setForm] = useState({
    company_name: "", subdomain: "", email: "", password: "", first_name: "", last_name: "", contact_phone: "",
  });
  const [subdomainTouched, setSubdomainTouched] = useState(false);
  const [availability, setAvailability] = useState<Availability>({ state: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const set = (name: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [name]: event.target.value }));

  useEffect(() => {
    if (!subdomainTouched) setForm((current) => ({ ...current, subdomain: slugify(current.company_name) }));
  }, [form.company_name, subdomainTouched]);

  useEffect(() => {
    const subdomain = form.subdomain.trim().toLowerCase();
    if (!subdomain) {
      setAvailability({ state: "idle" });
      return;
    }
    setAvailability({ state: "checking" });
    const timer = window.setTimeout(async () => {
      try {
        const answer = await unwrap(api.GET("/api/auth/subdomain-available/", { params: { query: { subdomain } } }));
        if (answer.subdomain !== form.subdomain.trim().toLowerCase()) return;
        setAvailability(
          answer.available
            ? { state: "available", message: `${answer.subdomain}.${config.baseDomain} is available.` }
            : { state: "unavailable", message: humanMessage(answer.code ?? "invalid", answer.detail ?? undefined) },
        );
      } catch {
        setAvailability({ state: "error", message: "We could not check the subdomain right now." });
      }
    }, 300);
    return () => window.clearTimeout(timer);
  }, [form.subdomain]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/auth/register/", { body: { ...form, subdomain: form.subdomain.trim().toLowerCase() } }));
      // Signed in right away, the waiting screen can watch for the approval on its own.
      await signIn(form.email, form.password);
      navigate("/waiting", { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="auth-page">
      <form className="card auth-card wide" onSubmit={submit} noValidate>
        <PageTitle>Sign up your company</PageTitle>
        <p className="muted">The platform team approves every new company, usually within a working day.</p>
        <FormError error={error} />
        <TextField label="Company name" required value={form.company_name} onChange={set("company_name")}
          error={fieldError(error, "company_name")} autoComplete="organization" />
        <TextField
          label="Subdomain"
          required
          value={form.subdomain}
          onChange={(event) => {
            setSubdomainTouched(true);
            set("subdomain")(event);
          }}
          error={fieldError(error, "subdomain") ?? (availability.state === "unavailable" ? availability.message : undefined)}
          hint={`Your address: ${form.subdomain || "yourcompany"}.${config.baseDomain}`}
          autoCapitalize="none"
          spellCheck={false}
        />
        <p className="availability" aria-live="polite" data-state={availability.state}>
          {availability.state === "checking" && "Checking…"}
          {(availability.state === "available" || availability.state === "error") && availability.message}
        </p>
        <div className="grid two">
          <TextField label="First name" value={form.first_name} onChange={set("first_name")} autoComplete="given-name" />
          <TextField label="Last name" value={form.last_name} onChange={set("last_name")} autoComplete="family-name" />
        </div>
        <TextField label="Your e-mail" type="email" required value={form.email} onChange={set("email")}
          error={fieldError(error, "email")} autoComplete="email" />
        <TextField label="Password" type="password" required value={form.password} onChange={set("password")}
          error={fieldError(error, "password")} autoComplete="new-password" hint="At least 10 characters." />
        <button type="submit" className="button primary" disabled={busy || availability.state === "unavailable"}>
          {busy ? "Signing up…" : "Sign up"}
        </button>
        <p className="links">
          <Link to="/login">Already signed up? Sign in</Link>
        </p>
      </form>
    </div>
  );
}
