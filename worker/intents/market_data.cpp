#include "worker/intents/market_data.hpp"

#include "common/market_data_params.hpp"
#include "worker/intents/params.hpp"

namespace intentq::intents {
namespace {

std::string text(const params::Parsed& p, std::string_view name) {
  return p.string(name).value_or("");
}

// The fields every historical query reads from its params.
void read_query(const params::Parsed& p, HistoricalQuery& out) {
  out.contract = contract_fields(p);
  out.what_to_show = text(p, "what_to_show");
  out.use_rth = p.boolean("use_rth").value_or(true);
  out.gateway = p.string("gateway");
}

}  // namespace

HistoricalBarsParams parse_historical_bars_params(const JobContext& job) {
  const auto p = parsed_params(job, "historical_bars");
  HistoricalBarsParams out;
  read_query(p, out);
  out.end = p.string("end");
  out.end_date_time = params::market_data::ib_end_date_time(out.end);
  out.duration = text(p, "duration");
  out.bar_size = text(p, "bar_size");
  return out;
}

HeadTimestampParams parse_head_timestamp_params(const JobContext& job) {
  HeadTimestampParams out;
  read_query(parsed_params(job, "head_timestamp"), out);
  return out;
}

QuoteParams parse_quote_params(const JobContext& job) {
  const auto p = parsed_params(job, "quote");
  QuoteParams out;
  out.contract = contract_fields(p);
  out.market_data_type = p.string("market_data_type").value_or("live");
  out.market_data_type_code = market_data_type_code(out.market_data_type);
  out.gateway = p.string("gateway");
  return out;
}

int market_data_type_code(const std::string& name) {
  if (name == "frozen") return 2;
  if (name == "delayed") return 3;
  if (name == "delayed_frozen") return 4;
  return 1;
}

std::string market_data_type_name(int code) {
  switch (code) {
    case 1:
      return "live";
    case 2:
      return "frozen";
    case 3:
      return "delayed";
    case 4:
      return "delayed_frozen";
  }
  return "unknown (" + std::to_string(code) + ")";
}

void check_gateway(const std::optional<std::string>& gateway, const JobContext& job) {
  if (!gateway || job.gateway.id.empty() || *gateway == job.gateway.id) return;
  bad_param("gateway", "names gateway '" + *gateway + "' but this worker talks to gateway '" +
                           job.gateway.id + "'");
}

}  // namespace intentq::intents
