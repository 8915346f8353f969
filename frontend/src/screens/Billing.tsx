import { useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, download, rows, unwrap, upload } from "../api/client";
import type { Invoice, Payment, Plan, Subscription } from "../api/types";
import { ErrorBox, formatDate, Notice, PageTitle, QueryState, SelectField, TextField } from "../components/ui";

const RESOURCE_LABELS: Record<string, string> = { users: "Users", teams: "Teams", tasks: "Tasks", storage_mb: "Storage (MB)" };

/** The subscription's state in words: what it means and what to do. */
export function subscriptionInWords(sub: Subscription | null | undefined): { title: string; text: string; tone: "ok" | "warn" | "bad" } {
  if (!sub) return { title: "No plan", text: "Choose a plan below to start.", tone: "warn" };
  const plan = sub.plan?.name ?? "your plan";
  switch (sub.status) {
    case "TRIAL":
      return { title: "Trial", text: `You are trying ${plan} until ${formatDate(sub.trial_ends_on)}. The first invoice comes before the trial ends.`, tone: "ok" };
    case "PENDING_PAYMENT":
      return { title: "Waiting for payment", text: `${plan} starts once its first invoice is paid: pay it below and upload the proof.`, tone: "warn" };
    case "PENDING_VERIFICATION":
      return { title: "Payment being verified", text: `We received your payment proof for ${plan}; our finance team verifies it, usually within a working day.`, tone: "warn" };
    case "ACTIVE":
      return {
        title: "Active",
        text: sub.cancel_at_period_end
          ? `${plan} is paid until ${formatDate(sub.current_period_end)} and ends then (cancelled).`
          : `${plan} is paid until ${formatDate(sub.current_period_end)} and renews then.`,
        tone: "ok",
      };
    case "PAST_DUE":
      return { title: "Past due", text: `The renewal of ${plan} is unpaid since ${formatDate(sub.past_due_since)}. Pay the open invoice to avoid suspension.`, tone: "bad" };
    case "EXPIRED":
      return { title: "Expired", text: `${plan} expired unpaid on ${formatDate(sub.expired_on)} and the company is suspended. Pay the open invoice or choose a plan again.`, tone: "bad" };
    case "CANCELLED":
      return { title: "Cancelled", text: `${plan} was cancelled${sub.ended_on ? ` and ended on ${formatDate(sub.ended_on)}` : ""}. Choose a plan to continue.`, tone: "bad" };
    default:
      return { title: String(sub.status), text: "", tone: "warn" };
  }
}

function money(amount: string | number | null | undefined, currency: string | undefined): string {
  const value = Number(amount ?? 0);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency ?? ""}`;
  }
}

export function Billing() {
  const dashboard = useQuery({
    queryKey: ["billing", "dashboard"],
    queryFn: () => unwrap(api.GET("/api/subscriptions/billing/dashboard/")),
  });
  return (
    <div className="stack">
      <PageTitle>Billing</PageTitle>
      <QueryState query={dashboard} loadingLabel="Loading billing…">
        {(data) => {
          const words = subscriptionInWords(data.subscription);
          return (
            <>
              <section className="card stack" aria-labelledby="sub-state" data-testid="subscription">
                <h2 id="sub-state">
                  Subscription: <span className={`pill ${words.tone}`} data-testid="subscription-status">{words.title}</span>
                </h2>
                <p>{words.text}</p>
                {data.subscription?.next_plan && <p>From the next period: {data.subscription.next_plan.name}.</p>}
              </section>
              <section className="card" aria-labelledby="usage">
                <h2 id="usage">Usage and limits</h2>
                {data.usage.length === 0 ? (
                  <p className="muted">No usage to show.</p>
                ) : (
                  <ul className="list">
                    {data.usage.map((u) => (
                      <li key={u.resource}>
                        <div className="row spread">
                          <span>{RESOURCE_LABELS[u.resource] ?? u.resource}</span>
                          <span>{Number.isInteger(u.used) ? u.used : Number(u.used).toFixed(2)} of {u.limit ?? "unlimited"}</span>
                        </div>
                        {u.limit ? (
                          <progress max={u.limit} value={Math.min(u.used, u.limit)} aria-label={`${RESOURCE_LABELS[u.resource] ?? u.resource} used`} />
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <OpenInvoices invoices={data.open_invoices as Invoice[]} payments={data.payments as Payment[]} />
              <Plans current={data.subscription} />
              <InvoiceHistory />
            </>
          );
        }}
      </QueryState>
    </div>
  );
}

function Plans({ current }: { current: Subscription | null | undefined }) {
  const queryClient = useQueryClient();
  const plans = useQuery({ queryKey: ["plans"], queryFn: () => unwrap(api.GET("/api/subscriptions/plans/", {})) });
  const renewable = !current || current.status === "EXPIRED" || current.status === "CANCELLED";
  const choose = useMutation({
    mutationFn: (plan: Plan) =>
      renewable
        ? unwrap(api.POST("/api/subscriptions/subscriptions/", { body: { plan: plan.id } }))
        : unwrap(api.POST("/api/subscriptions/subscriptions/{id}/change-plan/", { params: { path: { id: current!.id } }, body: { plan: plan.id } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["billing"] }),
  });
  return (
    <section className="card stack" aria-labelledby="plans">
      <h2 id="plans">{renewable ? "Choose a plan" : "Change plan"}</h2>
      {!renewable && <p className="muted">A new plan starts with the next period; the current one stays until then.</p>}
      <QueryState query={plans} isEmpty={(d) => rows(d).length === 0} empty="No plans are offered right now.">
        {(data) => (
          <ul className="grid three list" data-testid="plans">
            {rows(data).map((plan) => {
              const isCurrent = current?.plan?.id === plan.id && !renewable;
              return (
                <li key={plan.id} className="card stack">
                  <h3>{plan.name}</h3>
                  <p>
                    <strong>{money(plan.price, plan.currency)}</strong> / {plan.period === "YEARLY" ? "year" : "month"}
                    {plan.trial_days ? ` · ${plan.trial_days}-day trial` : ""}
                  </p>
                  <p className="muted">
                    {plan.max_users ?? "Unlimited"} users · {plan.max_teams ?? "unlimited"} teams · {plan.max_tasks ?? "unlimited"} tasks ·{" "}
                    {plan.max_storage_mb ?? "unlimited"} MB
                  </p>
                  {isCurrent ? (
                    <span className="pill ok">Current plan</span>
                  ) : (
                    <button type="button" className="button primary" disabled={choose.isPending} onClick={() => choose.mutate(plan)}>
                      {renewable ? "Choose" : "Switch to"} {plan.name}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      {choose.error ? <ErrorBox error={choose.error} /> : null}
      {choose.isSuccess && <Notice kind="success">Done. {renewable ? "Pay the invoice below if one was issued." : "The new plan starts with the next period."}</Notice>}
    </section>
  );
}

function OpenInvoices({ invoices, payments }: { invoices: Invoice[]; payments: Payment[] }) {
  const [paying, setPaying] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const waiting = new Set(payments.filter((p) => p.verification_status === "PENDING").map((p) => p.invoice));
  return (
    <section className="card stack" aria-labelledby="open-invoices">
      <h2 id="open-invoices">Open invoices</h2>
      {invoices.length === 0 ? (
        <p className="muted">Nothing to pay.</p>
      ) : (
        <ul className="list" data-testid="open-invoices">
          {invoices.map((invoice) => (
            <li key={invoice.id} className="stack">
              <div className="row spread">
                <span>
                  <strong>{invoice.number}</strong> · {money(invoice.total, invoice.currency)} · due {formatDate(invoice.due_on)}
                </span>
                <span className="row">
                  <button type="button" className="button secondary small"
                    onClick={() => download(`/api/subscriptions/invoices/${invoice.id}/pdf/`, `${invoice.number}.pdf`).catch(setError)}>
                    PDF <span className="sr-only">of {invoice.number}</span>
                  </button>
                  {waiting.has(invoice.id) ? (
                    <span className="pill warn">Proof being verified</span>
                  ) : (
                    <button type="button" className="button primary small" aria-expanded={paying === invoice.id}
                      onClick={() => setPaying(paying === invoice.id ? null : invoice.id)}>
                      Pay <span className="sr-only">{invoice.number}</span>
                    </button>
                  )}
                </span>
              </div>
              {paying === invoice.id && <PaymentForm invoice={invoice} onDone={() => setPaying(null)} />}
            </li>
          ))}
        </ul>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}

function PaymentForm({ invoice, onDone }: { invoice: Invoice; onDone: () => void }) {
  const queryClient = useQueryClient();
  const file = useRef<HTMLInputElement>(null);
  const [form, setForm] = useState({
    amount: String(invoice.total),
    method: "BANK_TRANSFER",
    reference: "",
    paid_on: new Date().toISOString().slice(0, 10),
  });
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const proof = file.current?.files?.[0];
    const data = new FormData();
    data.append("invoice", String(invoice.id));
    data.append("amount", form.amount);
    data.append("currency", invoice.currency);
    data.append("method", form.method);
    data.append("reference", form.reference);
    data.append("paid_on", form.paid_on);
    if (proof) data.append("proof", proof);
    setError(null);
    setProgress(0);
    try {
      await upload<Payment>("/api/subscriptions/payments/", data, setProgress);
      await queryClient.invalidateQueries({ queryKey: ["billing"] });
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setProgress(null);
    }
  }

  return (
    <form className="card stack" onSubmit={submit} aria-label={`Pay ${invoice.number}`}>
      <div className="grid two">
        <TextField label={`Amount (${invoice.currency})`} inputMode="decimal" value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} />
        <SelectField label="Method" value={form.method} onChange={(e) => setForm({ ...form, method: e.target.value })}>
          <option value="BANK_TRANSFER">Bank transfer</option>
          <option value="CARD">Card</option>
          <option value="CASH">Cash</option>
          <option value="OTHER">Other</option>
        </SelectField>
        <TextField label="Reference" value={form.reference} onChange={(e) => setForm({ ...form, reference: e.target.value })} />
        <TextField label="Paid on" type="date" value={form.paid_on} onChange={(e) => setForm({ ...form, paid_on: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor={`proof-${invoice.id}`}>Proof of payment (PDF, PNG or JPEG, at most 10 MB)</label>
        <input id={`proof-${invoice.id}`} ref={file} type="file" accept="application/pdf,image/png,image/jpeg" required />
      </div>
      {progress !== null && (
        <div role="status">
          <label htmlFor={`proof-progress-${invoice.id}`}>Uploading… {Math.round(progress * 100)}%</label>
          <progress id={`proof-progress-${invoice.id}`} max={1} value={progress} />
        </div>
      )}
      {error ? <ErrorBox error={error} /> : null}
      <div><button type="submit" className="button primary" disabled={progress !== null}>Send payment proof</button></div>
    </form>
  );
}

function InvoiceHistory() {
  const invoices = useQuery({
    queryKey: ["billing", "invoices"],
    queryFn: () => unwrap(api.GET("/api/subscriptions/invoices/", { params: { query: { page_size: 50 } as never } })),
  });
  const [error, setError] = useState<unknown>(null);
  const STATUS: Record<string, string> = { DRAFT: "Draft", ISSUED: "Open", PAID: "Paid", VOID: "Void" };
  return (
    <section className="card stack" aria-labelledby="invoices">
      <h2 id="invoices">Invoices</h2>
      <QueryState query={invoices} isEmpty={(d) => rows(d).length === 0} empty="No invoices yet.">
        {(data) => (
          <div className="table-wrap">
            <table data-testid="invoices">
              <thead>
                <tr><th scope="col">Number</th><th scope="col">Issued</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col"><span className="sr-only">PDF</span></th></tr>
              </thead>
              <tbody>
                {rows(data).map((invoice) => (
                  <tr key={invoice.id} data-invoice={invoice.number ?? ""}>
                    <td>{invoice.number ?? "—"}</td>
                    <td>{formatDate(invoice.issued_on)}</td>
                    <td>{money(invoice.total, invoice.currency)}</td>
                    <td><span className={`pill ${invoice.status === "PAID" ? "ok" : invoice.status === "ISSUED" ? "warn" : ""}`}>{STATUS[invoice.status] ?? invoice.status}</span></td>
                    <td>
                      {invoice.number && (
                        <button type="button" className="button secondary small"
                          onClick={() => download(`/api/subscriptions/invoices/${invoice.id}/pdf/`, `${invoice.number}.pdf`).catch(setError)}>
                          Download PDF <span className="sr-only">of {invoice.number}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}
